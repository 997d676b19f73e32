"""What the demo network is, as plain data (no database): stations, lines, layouts, services.

Deterministic: the same arguments always give the same network. `scaled` gives the benchmark
network: 16-coach trains of about 1,200 seats and a 23-stop main line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

LISBON = "Europe/Lisbon"
MADRID = "Europe/Madrid"


@dataclass(frozen=True)
class StationSpec:
    code: str
    name: str
    timezone: str


@dataclass(frozen=True)
class LineSpec:
    code: str
    name: str
    train_base: int  # train numbers: base + 2k one way, base + 2k + 1 the other
    stops: tuple[tuple[str, float], ...]  # (station code, km from the start)


@dataclass(frozen=True)
class SeatSpec:
    label: str
    row: int
    column: int
    seat_class: str
    features: tuple[str, ...]
    for_sale: bool = True


@dataclass(frozen=True)
class LayoutSpec:
    code: str
    name: str
    rows: int
    columns: int
    seats: tuple[SeatSpec, ...]


@dataclass(frozen=True)
class DemoNetwork:
    stations: tuple[StationSpec, ...]
    lines: tuple[LineSpec, ...]
    layouts: tuple[LayoutSpec, ...]
    consist: tuple[str, ...]  # layout code per coach, coach 1 first
    departures: tuple[int, ...]  # minutes after midnight at each line's origin
    days: int
    fares: dict[str, tuple[int, Decimal, int]] = field(default_factory=dict)
    concessions: tuple[tuple[str, str, int], ...] = ()
    operators: tuple[tuple[str, str, str, str, str], ...] = ()


STATIONS = (
    StationSpec("PCA", "Porto Campanhã", LISBON),
    StationSpec("AVR", "Aveiro", LISBON),
    StationSpec("CMB", "Coimbra-B", LISBON),
    StationSpec("PBL", "Pombal", LISBON),
    StationSpec("ENT", "Entroncamento", LISBON),
    StationSpec("ABR", "Abrantes", LISBON),
    StationSpec("PSR", "Ponte de Sor", LISBON),
    StationSpec("ELV", "Elvas", LISBON),
    StationSpec("BDJ", "Badajoz", MADRID),
    StationSpec("MER", "Mérida", MADRID),
    StationSpec("NVM", "Navalmoral de la Mata", MADRID),
    StationSpec("TLV", "Talavera de la Reina", MADRID),
    StationSpec("MAD", "Madrid Atocha", MADRID),
    StationSpec("GDL", "Guadalajara", MADRID),
    StationSpec("SIG", "Sigüenza", MADRID),
    StationSpec("CAT", "Calatayud", MADRID),
    StationSpec("ZAZ", "Zaragoza Delicias", MADRID),
    StationSpec("LLE", "Lleida Pirineus", MADRID),
    StationSpec("CTA", "Camp de Tarragona", MADRID),
    StationSpec("BCN", "Barcelona Sants", MADRID),
)

EXTRA_HALTS = (
    StationSpec("OVR", "Ovar", LISBON),
    StationSpec("MLH", "Mealhada", LISBON),
    StationSpec("ALF", "Alfarelos", LISBON),
    StationSpec("CXR", "Caxarias", LISBON),
    StationSpec("TNV", "Torres Novas", LISBON),
    StationSpec("CRT", "Crato", LISBON),
    StationSpec("PTG", "Portalegre", LISBON),
    StationSpec("MNJ", "Montijo", MADRID),
    StationSpec("ALM", "Almaraz", MADRID),
    StationSpec("ORP", "Oropesa", MADRID),
)

LINE_A = LineSpec(
    "ATL",
    "Atlântico – Meseta",
    500,
    (
        ("PCA", 0),
        ("AVR", 63),
        ("CMB", 118),
        ("PBL", 150),
        ("ENT", 222),
        ("ABR", 255),
        ("PSR", 300),
        ("ELV", 388),
        ("BDJ", 405),
        ("MER", 465),
        ("NVM", 590),
        ("TLV", 680),
        ("MAD", 795),
    ),
)
LINE_A_SCALED = LineSpec(
    "ATL",
    "Atlântico – Meseta",
    500,
    (
        ("PCA", 0),
        ("OVR", 35),
        ("AVR", 63),
        ("MLH", 100),
        ("CMB", 118),
        ("ALF", 135),
        ("PBL", 150),
        ("CXR", 190),
        ("TNV", 212),
        ("ENT", 222),
        ("ABR", 255),
        ("PSR", 300),
        ("CRT", 330),
        ("PTG", 360),
        ("ELV", 388),
        ("BDJ", 405),
        ("MNJ", 430),
        ("MER", 465),
        ("ALM", 560),
        ("NVM", 590),
        ("ORP", 640),
        ("TLV", 680),
        ("MAD", 795),
    ),
)
LINE_B = LineSpec(
    "LEV",
    "Levante",
    700,
    (
        ("MAD", 0),
        ("GDL", 57),
        ("SIG", 130),
        ("CAT", 220),
        ("ZAZ", 307),
        ("LLE", 440),
        ("CTA", 525),
        ("BCN", 620),
    ),
)


def _layout(
    code: str,
    name: str,
    rows: int,
    seat_class: str,
    *,
    single_side: bool = False,
    quiet: bool = False,
    table_rows: range = range(0),
    wheelchair_row: int | None = None,
    crew_seat: tuple[int, int] | None = None,
) -> LayoutSpec:
    """A coach with an aisle in column 2: 2+2 seating, or 2+1 when `single_side`."""
    columns = (0, 1, 3) if single_side else (0, 1, 3, 4)
    width = 4 if single_side else 5
    window_columns = {0, width - 1}
    seats = []
    number = 1
    for row in range(rows):
        for column in columns:
            features = []
            if column in window_columns:
                features.append("window")
            if column in (1, 3):
                features.append("aisle")
            if row in table_rows:
                features.append("table")
            if quiet:
                features.append("quiet")
            if wheelchair_row == row and column in (0, 1):
                features = ["wheelchair"]
            for_sale = crew_seat != (row, column)
            seats.append(SeatSpec(str(number), row, column, seat_class, tuple(features), for_sale))
            number += 1
    return LayoutSpec(code, name, rows, width, tuple(seats))


LAYOUTS = (
    _layout("F48", "First class 2+1", 16, "first", single_side=True, table_rows=range(6, 10)),
    _layout(
        "S72",
        "Standard 2+2",
        18,
        "standard",
        table_rows=range(8, 12),
        wheelchair_row=0,
        crew_seat=(17, 4),
    ),
    _layout("S72Q", "Standard 2+2, quiet", 18, "standard", quiet=True, table_rows=range(8, 12)),
    _layout(
        "S80",
        "Standard 2+2, high density",
        20,
        "standard",
        table_rows=range(9, 13),
        wheelchair_row=0,
    ),
)

FARES = {
    "first": (300, Decimal("16.0"), 900),
    "standard": (200, Decimal("9.5"), 500),
}
CONCESSIONS = (
    ("adult", "Adult", 0),
    ("child", "Child (4–11)", 50),
    ("youth", "Youth (12–25)", 25),
    ("senior", "Senior (65+)", 30),
)
# username, display name, role, home station, demo-only password
OPERATORS = (
    ("clerk", "Carla Mendes", "clerk", "PCA", "clerk-demo-2026"),
    ("conductor", "Diego Ruiz", "conductor", "MAD", "conductor-demo-2026"),
    ("supervisor", "Sofia Almeida", "supervisor", "PCA", "supervisor-demo-2026"),
)

# Ten departures a day each way, 06:00 to 21:00.
DEPARTURES = tuple(6 * 60 + k * 100 for k in range(10))


def demo_network(*, scale: int = 0, days: int = 30) -> DemoNetwork:
    """The counter demo (scale 0), or the benchmark network (scale >= 1, 30 x scale days)."""
    if scale <= 0:
        return DemoNetwork(
            STATIONS,
            (LINE_A, LINE_B),
            LAYOUTS,
            ("F48", "F48", "S72Q", "S72", "S72", "S72", "S72", "S72"),
            DEPARTURES,
            days,
            FARES,
            CONCESSIONS,
            OPERATORS,
        )
    return DemoNetwork(
        STATIONS + EXTRA_HALTS,
        (LINE_A_SCALED, LINE_B),
        LAYOUTS,
        ("F48", "F48", "F48", "S72Q") + ("S80",) * 12,
        DEPARTURES,
        30 * scale,
        FARES,
        CONCESSIONS,
        OPERATORS,
    )


def stop_times(
    stops: tuple[tuple[str, float], ...], departure: int
) -> list[tuple[int | None, int | None]]:
    """(arrival, departure) minutes for each stop: 110 km/h between stops, 2 minutes dwell."""
    times: list[tuple[int | None, int | None]] = []
    clock = departure
    previous_km = stops[0][1]
    for index, (_code, km) in enumerate(stops):
        if index == 0:
            times.append((None, clock))
            continue
        clock += round((km - previous_km) / 110 * 60)
        previous_km = km
        last = index == len(stops) - 1
        times.append((clock, None if last else clock + 2))
        clock += 0 if last else 2
    return times


def reversed_line(line: LineSpec) -> tuple[tuple[str, float], ...]:
    total = line.stops[-1][1]
    return tuple((code, total - km) for code, km in reversed(line.stops))
