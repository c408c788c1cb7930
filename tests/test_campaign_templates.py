"""The campaign templates shipped in deploy/: accepted as written, every milestone with an action phrase, an
organizer named, the seed district dated in its real year, and a stored config read back as it was."""

from __future__ import annotations

import json

import yaml

from models.campaign_config import CampaignConfig, parse_campaign_config
from tests.conftest import ROOT
from tests.test_campaign_config import LEVELS


def test_the_templates_are_accepted() -> None:
    for template in ("campaign.example.yaml", "campaign.province.yaml", "campaign.ward.yaml"):
        raw = yaml.safe_load((ROOT / "deploy" / template).read_text(encoding="utf-8"))
        assert parse_campaign_config(raw, LEVELS).key


def test_the_templates_give_every_milestone_an_action_and_name_their_organizer() -> None:
    for template, organizer in (
        ("campaign.example.yaml", "Ban Tổ chức Huyện ủy Củ Chi"),
        ("campaign.province.yaml", "Ban Tổ chức Tỉnh ủy Quảng Trị"),
    ):
        raw = yaml.safe_load((ROOT / "deploy" / template).read_text(encoding="utf-8"))
        config = parse_campaign_config(raw, LEVELS)
        assert all(m.action and m.action[0].islower() for m in config.milestones), template  # read inside sentences
        assert config.organizer is not None and config.organizer.name == organizer and config.organizer.contact


def test_the_seed_district_is_a_campaign_of_its_real_year() -> None:
    """Districts were abolished on 1 July 2025: the seed district's example is its 2020 review, every date in it."""
    raw = yaml.safe_load((ROOT / "deploy" / "campaign.example.yaml").read_text(encoding="utf-8"))
    config = parse_campaign_config(raw, LEVELS)
    assert (config.key, config.year, config.launch.isoformat()) == ("cuchi-2020", 2020, "2020-11-23")
    assert config.title.endswith("năm 2020")
    assert [m.deadline.isoformat() for m in config.milestones] == [
        "2020-11-23",
        "2020-11-28",
        "2020-12-10",
        "2020-12-25",
        "2021-01-15",
    ]


def test_a_stored_config_validates_again_as_it_was() -> None:
    """Sweeps read the config back from the campaign row (JSON): the strict fields must accept what was stored."""
    raw = yaml.safe_load((ROOT / "deploy" / "campaign.example.yaml").read_text(encoding="utf-8"))
    config = parse_campaign_config(raw, LEVELS)
    stored = json.loads(json.dumps(config.model_dump(mode="json")))
    assert CampaignConfig.model_validate(stored) == config
