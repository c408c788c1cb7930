"""Generate the example org trees in deploy/examples/ (seeded, so the files are the same on every run).

- district.csv: shaped like the seed district (Huyện ủy Củ Chi, 2020): 50 grassroots organizations
  (21 commune and township committees with village branches, agencies, schools, army, police, enterprises),
  9,899 members in all.
- province.csv: shaped like the seed province (577 grassroots organizations, 75,280 members) in today's layout
  (since 1 July 2025): commune-level committees and bloc committees under the province, grassroots below them,
  branches below the larger grassroots committees.

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
PROVINCE_PLACES = [
    "Đồng Hới",
    "Nam Lý",
    "Bắc Lý",
    "Đồng Sơn",
    "Ba Đồn",
    "Quảng Thọ",
    "Hoàn Lão",
    "Nông trường Việt Trung",
    "Phong Nha",
    "Bố Trạch",
    "Nam Trạch",
    "Hòa Trạch",
    "Đông Trạch",
    "Bắc Trạch",
    "Quảng Trạch",
    "Tân Gianh",
    "Phú Trạch",
    "Trung Thuần",
    "Nam Gianh",
    "Nam Ba Đồn",
    "Bắc Gianh",
    "Dân Hóa",
    "Kim Điền",
    "Kim Phú",
    "Minh Hóa",
    "Tân Thành",
    "Tuyên Lâm",
    "Tuyên Sơn",
    "Đồng Lê",
    "Tuyên Phú",
    "Tuyên Bình",
    "Tuyên Hóa",
    "Quảng Ninh",
    "Ninh Châu",
    "Trường Ninh",
    "Trường Sơn",
    "Lệ Ninh",
    "Lệ Thủy",
    "Cam Hồng",
    "Sen Ngư",
    "Tân Mỹ",
    "Trường Phú",
    "Kim Ngân",
    "Thượng Trạch",
    "Phú Phong",
    "Vĩnh Ninh",
    "Hoàn Lão Đông",
    "Gianh",
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
    tree = Tree("quangbinh.example.vn")
    root = tree.add("TU-QUANGBINH", "", "Tỉnh ủy Quảng Bình", "province")
    above = [
        tree.add(f"XA-{slug(p)}", root, f"Đảng ủy {'phường' if i % 5 == 0 else 'xã'} {p}", "commune")
        for i, p in enumerate(PROVINCE_PLACES)
    ]
    above += [tree.add(f"DU-{slug(b.removeprefix('Đảng ủy '))}"[:40], root, b, "district") for b in PROVINCE_BLOCS]
    grassroots = 0
    while grassroots < 577:
        parent = above[grassroots % len(above)]
        number = grassroots // len(above) + 1
        large = rng.random() < 0.35
        kind = "Đảng bộ" if large else "Chi bộ"
        code = tree.add(f"{parent}-CS{number:02d}", parent, f"{kind} cơ sở số {number}, {parent}", "grassroots")
        if large:
            for branch in range(1, rng.randint(3, 9) + 1):
                tree.add(f"{code}-CB{branch:02d}", code, f"Chi bộ {branch} trực thuộc {code}", "branch")
        grassroots += 1
    tree.spread_members(75_280, rng)
    return tree


def main() -> None:
    district(random.Random(2020)).write(HERE / "district.csv")
    province(random.Random(2021)).write(HERE / "province.csv")
    print("wrote", HERE / "district.csv", "and", HERE / "province.csv")


if __name__ == "__main__":
    main()
