"""Generate the example org trees in deploy/examples/ (seeded, so the files are the same on every run).

- district.csv: shaped like the seed district (Huyện ủy Củ Chi, 2020): 50 grassroots organizations
  (21 commune and township committees with village branches, agencies, schools, army, police, enterprises),
  9,899 members in all.
- province.csv: a present-day province, Tỉnh ủy Quảng Trị (Quảng Bình merged into it on 1 July 2025), in today's
  layout: ward, special-zone and commune committees (level `commune`) and the bloc committees directly under the
  province (level `bloc`), grassroots organizations below them (and one placed directly under the province),
  branches below the larger grassroots committees.
  Its names are real places (a selection); its size is the seed province's (577 grassroots organizations, 75,280
  members, seed 003), not today's Quảng Trị's.

Members are counted where they hold their party activity: a unit with branches has none of its own.
Run: python deploy/examples/generate.py   (or `make examples`)
"""

from __future__ import annotations

import csv
import random
import unicodedata
from pathlib import Path

HERE = Path(__file__).parent

CUCHI_COMMUNES = [
    "An Nhơn Tây",
    "An Phú",
    "Bình Mỹ",
    "Hòa Phú",
    "Nhuận Đức",
    "Phạm Văn Cội",
    "Phú Hòa Đông",
    "Phú Mỹ Hưng",
    "Phước Hiệp",
    "Phước Thạnh",
    "Phước Vĩnh An",
    "Tân An Hội",
    "Tân Phú Trung",
    "Tân Thạnh Đông",
    "Tân Thạnh Tây",
    "Tân Thông Hội",
    "Thái Mỹ",
    "Trung An",
    "Trung Lập Hạ",
    "Trung Lập Thượng",
]
AGENCIES_WITH_BRANCHES = [
    "Đảng bộ Cơ quan Chính quyền huyện",
    "Đảng bộ Cơ quan Đảng - Đoàn thể huyện",
    "Đảng bộ Quân sự huyện",
    "Đảng bộ Công an huyện",
    "Đảng bộ Trung tâm Y tế huyện",
    "Đảng bộ Bệnh viện Đa khoa khu vực Củ Chi",
]
SMALL_GRASSROOTS = [
    "Chi bộ Trường THPT Củ Chi",
    "Chi bộ Trường THPT Trung Phú",
    "Chi bộ Trường THPT Quang Trung",
    "Chi bộ Trường THPT Phú Hòa",
    "Chi bộ Trường THPT An Nhơn Tây",
    "Chi bộ Trường THPT Trung Lập",
    "Chi bộ Trường THPT Tân Thông Hội",
    "Chi bộ Trung tâm Giáo dục nghề nghiệp",
    "Chi bộ Viện Kiểm sát nhân dân",
    "Chi bộ Tòa án nhân dân",
    "Chi bộ Chi cục Thi hành án dân sự",
    "Chi bộ Kho bạc Nhà nước",
    "Chi bộ Chi cục Thuế",
    "Chi bộ Bảo hiểm xã hội",
    "Chi bộ Ngân hàng Chính sách xã hội",
    "Chi bộ Công ty TNHH MTV Dịch vụ công ích",
    "Chi bộ Khu Di tích lịch sử Địa đạo Củ Chi",
    "Chi bộ Công ty Cổ phần Cấp nước",
    "Chi bộ Ban Quản lý dự án đầu tư xây dựng",
    "Chi bộ Hội Nông dân",
    "Chi bộ Trung tâm Văn hóa - Thể thao",
    "Chi bộ Liên đoàn Lao động",
    "Chi bộ Ban Quản lý chợ",
]
# Today's Tỉnh ủy Quảng Trị (Quảng Bình merged into it on 1 July 2025): names of its wards, special zone and communes
# (a selection: the real province has 78 of them), and the committees directly under the province beside them.
PROVINCE_WARDS = ["Đồng Hới", "Đồng Thuận", "Đồng Sơn", "Ba Đồn", "Bắc Gianh", "Đông Hà", "Nam Đông Hà", "Quảng Trị"]
PROVINCE_SPECIAL_ZONES = ["Cồn Cỏ"]
PROVINCE_COMMUNES = [
    "Vĩnh Linh",
    "Cửa Tùng",
    "Gio Linh",
    "Cửa Việt",
    "Cam Lộ",
    "Hiếu Giang",
    "Hướng Hóa",
    "Khe Sanh",
    "Lao Bảo",
    "Đakrông",
    "Ba Lòng",
    "Triệu Phong",
    "Ái Tử",
    "Hải Lăng",
    "Mỹ Thủy",
    "Lệ Thủy",
    "Sen Ngư",
    "Tân Mỹ",
    "Trường Phú",
    "Kim Ngân",
    "Quảng Ninh",
    "Ninh Châu",
    "Trường Sơn",
    "Lệ Ninh",
    "Bố Trạch",
    "Phong Nha",
    "Nam Trạch",
    "Đông Trạch",
    "Hoàn Lão",
    "Quảng Trạch",
    "Tân Gianh",
    "Phú Trạch",
    "Minh Hóa",
    "Dân Hóa",
    "Kim Điền",
    "Tuyên Hóa",
    "Tuyên Lâm",
    "Đồng Lê",
    "Tuyên Bình",
]
PROVINCE_BLOCS = [
    "Đảng ủy các cơ quan Đảng tỉnh",
    "Đảng ủy Ủy ban nhân dân tỉnh",
    "Đảng ủy Quân sự tỉnh",
    "Đảng ủy Công an tỉnh",
]


def slug(text: str) -> str:
    plain = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in plain if ch.isascii() and ch.isalnum()).upper()


class Tree:
    def __init__(self, domain: str) -> None:
        self.rows: list[dict[str, object]] = []
        self.domain = domain

    def add(self, code: str, parent: str, name: str, level: str) -> str:
        contact = f"mailto://vanphong@{self.domain}?to={code.lower()}@{self.domain}"
        self.rows.append(
            {"code": code, "parent": parent, "name": name, "level": level, "members": 0, "contacts": contact}
        )
        return code

    def spread_members(self, total: int, rng: random.Random) -> None:
        """Give `total` members to the units that have no children, in proportion to random weights."""
        parents = {r["parent"] for r in self.rows}
        leaves = [r for r in self.rows if r["code"] not in parents]
        weights = [rng.uniform(0.4, 1.6) for _ in leaves]
        scale = total / sum(weights)
        counts = [max(3, int(w * scale)) for w in weights]
        counts[-1] += total - sum(counts)
        for row, count in zip(leaves, counts, strict=True):
            row["members"] = count

    def write(self, path: Path) -> None:
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=["code", "parent", "name", "level", "members", "contacts"])
            writer.writeheader()
            writer.writerows(self.rows)


def district(rng: random.Random) -> Tree:
    tree = Tree("cuchi.example.vn")
    root = tree.add("HU-CUCHI", "", "Huyện ủy Củ Chi", "district")
    places = [("XA", f"Đảng bộ xã {n}", n) for n in CUCHI_COMMUNES] + [("TT", "Đảng bộ thị trấn Củ Chi", "Củ Chi")]
    for prefix, name, place in places:
        code = tree.add(f"{prefix}-{slug(place)}", root, name, "grassroots")
        for number in range(1, rng.randint(6, 12) + 1):
            tree.add(f"{code}-AP{number:02d}", code, f"Chi bộ ấp {number}, {name.removeprefix('Đảng bộ ')}", "branch")
    for name in AGENCIES_WITH_BRANCHES:
        code = tree.add(f"DB-{slug(name.removeprefix('Đảng bộ '))}"[:40], root, name, "grassroots")
        for number in range(1, rng.randint(3, 7) + 1):
            tree.add(f"{code}-CB{number:02d}", code, f"Chi bộ {number}, {name}", "branch")
    for name in SMALL_GRASSROOTS:
        tree.add(f"CB-{slug(name.removeprefix('Chi bộ '))}"[:40], root, name, "grassroots")
    tree.spread_members(9_899, rng)
    return tree


def province(rng: random.Random) -> Tree:
    tree = Tree("quangtri.example.vn")
    root = tree.add("TU-QUANGTRI", "", "Tỉnh ủy Quảng Trị", "province")
    places = (
        [("PH", "phường", p) for p in PROVINCE_WARDS]
        + [("DK", "đặc khu", p) for p in PROVINCE_SPECIAL_ZONES]
        + [("XA", "xã", p) for p in PROVINCE_COMMUNES]
    )
    above = [
        (tree.add(f"{prefix}-{slug(p)}", root, f"Đảng ủy {kind} {p}", "commune"), kind, p) for prefix, kind, p in places
    ]
    for bloc in PROVINCE_BLOCS:
        short = bloc.removeprefix("Đảng ủy ")
        above.append((tree.add(f"DU-{slug(short)}"[:40], root, bloc, "bloc"), "", short))
    grassroots = 0
    while grassroots < 577:
        parent, kind, place = above[grassroots % len(above)]
        number = grassroots // len(above) + 1
        large = rng.random() < 0.35
        name = _grassroots_name(kind, place, number, large)
        if grassroots == 576:  # one grassroots organization placed directly under the province, decided by it
            parent, name = root, f"{'Đảng bộ' if large else 'Chi bộ'} Bệnh viện Hữu nghị Việt Nam – Cu Ba Đồng Hới"
        code = tree.add(f"{parent}-CS{number:02d}", parent, name, "grassroots")
        if large:
            for branch in range(1, rng.randint(3, 9) + 1):
                tree.add(f"{code}-CB{branch:02d}", code, f"Chi bộ {branch} trực thuộc {name}", "branch")
        grassroots += 1
    tree.spread_members(75_280, rng)
    return tree


def _grassroots_name(kind: str, place: str, number: int, large: bool) -> str:
    """A grassroots organization under a ward, special zone, commune or bloc committee: a committee (đảng bộ cơ sở)
    when it has branches, else a grassroots branch (chi bộ cơ sở)."""
    if not kind:
        return f"{'Đảng bộ' if large else 'Chi bộ'} cơ quan số {number}, {place}"
    if large:
        return f"Đảng bộ cơ sở số {number}, {kind} {place}"
    village = "khu phố" if kind == "phường" else "thôn"
    return f"Chi bộ {village} {number}, {kind} {place}"


def main() -> None:
    district(random.Random(2020)).write(HERE / "district.csv")
    province(random.Random(2021)).write(HERE / "province.csv")
    print("wrote", HERE / "district.csv", "and", HERE / "province.csv")


if __name__ == "__main__":
    main()
