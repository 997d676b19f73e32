"""Journey search: stations by code or name, the date in the origin's time zone, the results
table and its sorting, on the real demo database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication

from ticket_office.domain.time_zones import today_at
from ticket_office.services.results import JourneyOption, StationInfo
from ticket_office.ui.shared.search import JourneyTableModel, SearchForm, StationListModel
from ticket_office.ui.shared.search.results_model import (
    JOURNEY_ROLE,
    SORT_ROLE,
    Column,
    JourneyProxyModel,
    local_time_text,
    train_sort_key,
)
from ticket_office.ui.shared.search.stations import fold
from ticket_office.ui.tasks import SettledTaskRunner

LISBON = StationInfo(1, "PCA", "Porto Campanhã", "Europe/Lisbon")
MADRID = StationInfo(2, "MAD", "Madrid Atocha", "Europe/Madrid")
MERIDA = StationInfo(3, "MER", "Mérida", "Europe/Madrid")
AVEIRO = StationInfo(4, "AVR", "Aveiro", "Europe/Lisbon")


def option(
    run_id: int,
    train: str,
    departs: datetime,
    minutes: int,
    first: int,
    standard: int,
    *,
    bookable: bool = True,
    destination: StationInfo = MADRID,
) -> JourneyOption:
    arrives = (departs + timedelta(minutes=minutes)).astimezone(ZoneInfo(destination.timezone))
    return JourneyOption(
        run_id,
        train,
        departs.date(),
        LISBON,
        destination,
        0,
        5,
        departs,
        arrives,
        first,
        standard,
        bookable,
        400.0,
    )


def lisbon(hour: int, minute: int = 0, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=ZoneInfo("Europe/Lisbon"))


@pytest.fixture
def stations(qapp) -> StationListModel:
    model = StationListModel()
    model.set_stations([MADRID, LISBON, MERIDA, AVEIRO])
    return model


def test_station_model_passes_the_model_tester(qtmodeltester, stations):
    qtmodeltester.check(stations)


def test_stations_are_listed_by_name_and_shown_as_name_and_code(stations):
    captions = [stations.index(row).data() for row in range(stations.rowCount())]
    assert captions == [
        "Aveiro (AVR)",
        "Madrid Atocha (MAD)",
        "Mérida (MER)",
        "Porto Campanhã (PCA)",
    ]


@pytest.mark.parametrize(
    "typed, code",
    [
        ("MAD", "MAD"),
        ("mad", "MAD"),
        ("Madrid Atocha (MAD)", "MAD"),
        ("merida", "MER"),
        ("Mérida", "MER"),
        ("campanha", "PCA"),
        ("  porto   campanhã ", "PCA"),
    ],
)
def test_a_station_is_found_by_code_caption_or_a_part_of_its_name(stations, typed, code):
    assert stations.resolve(typed).code == code


def test_a_unique_name_prefix_wins_over_the_same_letters_inside_other_names(qapp):
    tarragona = StationInfo(5, "CTA", "Camp de Tarragona", "Europe/Madrid")
    coimbra = StationInfo(6, "CMB", "Coimbra-B", "Europe/Lisbon")
    model = StationListModel()
    model.set_stations([LISBON, tarragona, coimbra])
    assert model.resolve("camp").code == "CTA"  # "Porto Campanhã" has it only inside
    assert model.resolve("CAMP DE").code == "CTA"
    assert model.resolve("campanha").code == "PCA"  # a part only one name has still finds it
    assert model.resolve("coimbra b").code == "CMB"  # punctuation typed as a space
    assert model.matches("c") == [tarragona, coimbra]  # two names start with it
    assert model.resolve("c") is None


def test_an_ambiguous_or_unknown_text_finds_no_station(stations):
    assert stations.resolve("r") is None  # in every name
    assert stations.resolve("Lisboa") is None
    assert stations.resolve("") is None


def test_the_completer_offers_stations_matching_code_or_name_without_accents(qtbot, stations):
    form = SearchForm(stations)
    qtbot.addWidget(form)
    completer = form.destination.completer()
    completer.setCompletionPrefix("merida")
    assert completer.currentCompletion() == "Mérida (MER)"
    completer.setCompletionPrefix("PCA")
    assert completer.currentCompletion() == "Porto Campanhã (PCA)"
    assert fold("Sigüenza") == "siguenza"


def test_the_date_defaults_to_today_in_the_origin_stations_time_zone(qtbot, stations):
    form = SearchForm(stations)
    qtbot.addWidget(form)
    form.set_origin(MADRID)
    assert form.travel_date.date().toPython() == datetime.now(ZoneInfo("Europe/Madrid")).date()
    form.travel_date.setDate(QDate(2030, 1, 2))
    form.set_origin(LISBON)  # a date the clerk chose stays
    assert form.travel_date.date().toPython() == date(2030, 1, 2)


def test_swap_exchanges_origin_and_destination(qtbot, stations):
    form = SearchForm(stations)
    qtbot.addWidget(form)
    form.set_origin(LISBON)
    form.destination.set_station(MADRID)
    form.swap()
    assert (form.origin.station(), form.destination.station()) == (MADRID, LISBON)


def test_a_search_query_carries_codes_date_and_optional_earliest_time(qtbot, stations):
    form = SearchForm(stations)
    qtbot.addWidget(form)
    form.origin.setText("pca")
    form.destination.setText("Madrid Atocha (MAD)")
    form.travel_date.setDate(QDate(2026, 11, 23))
    with qtbot.waitSignal(form.searchRequested) as signal:
        form.submit()
    query = signal.args[0]
    assert (query.origin, query.destination, query.travel_date, query.earliest) == (
        "PCA",
        "MAD",
        date(2026, 11, 23),
        None,
    )
    form.earliest.setTime(form.earliest.time().fromString("14:30", "HH:mm"))
    assert form.query().earliest.strftime("%H:%M") == "14:30"


def test_enter_in_from_moves_to_an_empty_to_instead_of_searching(qtbot, stations):
    form = SearchForm(stations)
    qtbot.addWidget(form)
    form.show()
    form.origin.setText("PCA")
    with qtbot.assertNotEmitted(form.searchRequested):
        qtbot.keyClick(form.origin, Qt.Key.Key_Return)
    assert form.destination.hasFocus() or not form.isActiveWindow()


def test_same_origin_and_destination_is_refused_with_a_message(qtbot, stations):
    form = SearchForm(stations)
    qtbot.addWidget(form)
    form.origin.setText("MAD")
    form.destination.setText("mad")
    assert form.query() is None
    assert "same station" in form.message.message()


# --- the results model ---------------------------------------------------------------------------


@pytest.fixture
def journeys() -> list[JourneyOption]:
    return [
        option(1, "IC 500", lisbon(6), 515, 61, 284),
        option(2, "IC 98", lisbon(21), 515, 5, 290),  # arrives the next day
        option(3, "IC 502", lisbon(7, 40), 480, 72, 12, bookable=False),
    ]


def test_results_model_and_proxy_pass_the_model_tester(qtmodeltester, qapp, journeys):
    model = JourneyTableModel()
    model.set_journeys(journeys)
    qtmodeltester.check(model)
    proxy = JourneyProxyModel()
    proxy.setSourceModel(model)
    proxy.sort(Column.STANDARD_FREE, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(proxy)


def test_times_are_local_with_zone_names_when_the_zones_differ(qapp, journeys):
    model = JourneyTableModel()
    model.set_journeys(journeys)
    row = [model.index(0, column).data() for column in Column]
    assert row == ["IC 500", "06:00 WET", "15:35 CET", "8 h 35", "61", "284"]
    assert model.index(1, Column.ARRIVES).data() == "06:35 CET +1"
    same_zone = option(9, "R 1", lisbon(8), 45, 1, 1, destination=AVEIRO)
    model.set_journeys([same_zone])
    assert model.index(0, Column.DEPARTS).data() == "08:00"
    assert local_time_text(lisbon(8), with_zone=True) == "08:00 WET"


def test_sorting_uses_values_not_the_displayed_text(qapp, journeys):
    model = JourneyTableModel()
    model.set_journeys(journeys)
    proxy = JourneyProxyModel()
    proxy.setSourceModel(model)

    def trains() -> list[str]:
        return [proxy.index(row, 0).data() for row in range(proxy.rowCount())]

    proxy.sort(Column.TRAIN)
    assert trains() == ["IC 98", "IC 500", "IC 502"]  # 98 < 500 as numbers, not as text
    proxy.sort(Column.STANDARD_FREE, Qt.SortOrder.DescendingOrder)
    assert trains() == ["IC 98", "IC 500", "IC 502"]  # 290 > 284 > 12
    proxy.sort(Column.FIRST_FREE)
    assert trains() == ["IC 98", "IC 500", "IC 502"]  # 5 < 61 < 72 ("5" > "61" as text)
    proxy.sort(Column.DEPARTS)
    assert trains() == ["IC 500", "IC 502", "IC 98"]
    assert proxy.index(0, Column.DEPARTS).data(SORT_ROLE) == int(lisbon(6).timestamp())
    assert train_sort_key("IC 98") < train_sort_key("IC 500")


def test_a_train_that_cannot_be_sold_is_greyed_with_the_reason_as_tooltip(qapp, journeys):
    model = JourneyTableModel(clock=lambda: datetime(2026, 11, 23, 12, tzinfo=UTC))
    model.set_journeys(journeys)
    greyed = model.index(2, Column.TRAIN)
    assert greyed.data(Qt.ItemDataRole.ForegroundRole) is not None
    assert "already departed" in greyed.data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(0, 0).data(Qt.ItemDataRole.ForegroundRole) is None


def test_a_greyed_train_says_why_in_its_row(qapp, journeys):
    model = JourneyTableModel(clock=lambda: datetime(2026, 11, 23, 12, tzinfo=UTC))
    model.set_journeys(journeys)
    assert model.index(2, Column.DEPARTS).data() == "07:40 WET · departed"
    assert model.index(0, Column.DEPARTS).data() == "06:00 WET"  # on sale: the time alone
    early = JourneyTableModel(clock=lambda: datetime(2026, 11, 20, tzinfo=UTC))
    early.set_journeys(journeys)
    assert early.index(2, Column.DEPARTS).data() == "07:40 WET · not on sale yet"
    assert "not open yet" in early.index(2, Column.TRAIN).data(Qt.ItemDataRole.ToolTipRole)


def test_a_search_for_a_past_day_says_its_trains_have_departed(qtbot, stations):
    form = SearchForm(stations)
    qtbot.addWidget(form)
    form.set_origin(LISBON)
    form.destination.set_station(MADRID)
    form.travel_date.setDate(QDate(today_at(LISBON.timezone) - timedelta(days=1)))
    with qtbot.waitSignal(form.searchRequested):  # still searched: the trains can be looked at
        form.submit()
    assert "already departed" in form.message.message()
    form.travel_date.setDate(QDate(today_at(LISBON.timezone)))
    form.submit()
    assert form.message.message() == ""


def test_a_refresh_with_the_same_trains_updates_rows_in_place(qtbot, qapp, journeys):
    model = JourneyTableModel()
    model.set_journeys(journeys)
    fewer_seats = [option(1, "IC 500", lisbon(6), 515, 60, 280), *journeys[1:]]
    with qtbot.assertNotEmitted(model.modelReset), qtbot.waitSignal(model.dataChanged):
        model.set_journeys(fewer_seats)
    assert model.index(0, Column.FIRST_FREE).data() == "60"
    assert model.index(0, 0).data(JOURNEY_ROLE).free_first == 60


# --- against the demo database --------------------------------------------------------------------


def test_search_fills_the_table_and_sorting_by_free_seats_works(
    qtbot, desk_window, clerk, full_day
):
    window = desk_window(clerk)
    page = window.page("sell")
    assert page.stations.rowCount() == 20
    assert page.form.origin.station().code == "PCA"  # the clerk's home station
    page.form.destination.setText("MAD")
    page.form.travel_date.setDate(QDate(full_day))
    page.form.submit()
    table = page.results
    assert table.proxy.rowCount() == 10
    assert table.current_journey() is not None and table.current_journey().bookable
    table.sortByColumn(Column.STANDARD_FREE, Qt.SortOrder.DescendingOrder)
    counts = [
        table.proxy.index(row, Column.STANDARD_FREE).data(SORT_ROLE)
        for row in range(table.proxy.rowCount())
    ]
    assert counts == sorted(counts, reverse=True)
    assert "10 trains found." in window.status.currentMessage()


def test_a_search_with_no_trains_says_so(qtbot, desk_window, clerk):
    window = desk_window(clerk)
    page = window.page("sell")
    page.form.origin.setText("MAD")
    page.form.destination.setText("PCA")
    # Far past the demo's thirty days of runs.
    page.form.travel_date.setDate(QDate(today_at(MADRID.timezone) + timedelta(days=400)))
    page.form.submit()
    assert page.results.proxy.rowCount() == 0
    assert "No trains" in window.status.currentMessage()


@pytest.mark.parametrize(
    "typed", ["Madrid Atocha", "madrid atocha", "MADRID", "atocha", "Madrid Atocha (MAD)"]
)
def test_a_destination_typed_by_name_is_searched_by_its_code(
    qtbot, desk_window, clerk, full_day, typed
):
    window = desk_window(clerk)
    page = window.page("sell")
    page.form.travel_date.setDate(QDate(full_day))
    page.form.destination.setFocus()
    qtbot.keyClicks(page.form.destination, typed)
    qtbot.keyClick(page.form.destination, Qt.Key.Key_Return)
    assert page._query is not None and page._query.destination == "MAD"
    assert page.results.proxy.rowCount() == 10
    assert not page.message.message() and not page.form.message.message()


def test_an_origin_typed_by_name_with_or_without_accents_is_searched(
    qtbot, desk_window, clerk, full_day
):
    window = desk_window(clerk)
    page = window.page("sell")
    page.form.travel_date.setDate(QDate(full_day))
    for typed in ("Porto Campanhã", "porto campanha", "PORTO CAMPANHÃ"):
        page.form.origin.setText(typed)
        page.form.destination.setText("Madrid Atocha")
        page.form.submit()
        assert page._query.origin == "PCA", typed
        assert page.results.proxy.rowCount() == 10
        assert not page.message.message() and not page.form.message.message()


def test_an_unknown_station_is_named_in_the_message_and_not_searched(qtbot, desk_window, clerk):
    window = desk_window(clerk)
    page = window.page("sell")
    page.form.destination.setText("Xyzzyville")
    with qtbot.assertNotEmitted(page.form.searchRequested):
        page.form.submit()
    assert "There is no station called or coded “Xyzzyville”" in page.form.message.message()
    assert page.form.destination.hasFocus() or not window.isActiveWindow()


def test_an_ambiguous_name_lists_the_stations_it_fits(qtbot, desk_window, clerk):
    window = desk_window(clerk)
    page = window.page("sell")
    page.form.destination.setText("po")
    with qtbot.assertNotEmitted(page.form.searchRequested):
        page.form.submit()
    message = page.form.message.message()
    assert "“po” fits several stations: Pombal, Ponte de Sor, Porto Campanhã" in message


# --- From, pre-filled with the home station, is typed over ---------------------------------------


class StationsArriveLate(SettledTaskRunner):
    """As in the app, the station list comes back after the window put the cursor in From."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting: list[tuple] = []

    def run(self, fn, *args, **kwargs) -> None:
        if getattr(fn, "__name__", "") == "list_stations":
            self.waiting.append((fn, args, kwargs))
        else:
            super().run(fn, *args, **kwargs)

    def answer(self) -> None:
        waiting, self.waiting = self.waiting, []
        for fn, args, kwargs in waiting:
            super().run(fn, *args, **kwargs)


def focused():
    return QApplication.focusWidget()


def test_from_is_all_selected_when_the_home_station_arrives_after_the_cursor(
    qtbot, backend, clerk, settings
):
    from ticket_office.ui.desk import DeskContext
    from ticket_office.ui.main_window import MainWindow

    tasks = StationsArriveLate()
    window = MainWindow(DeskContext.bind(backend.services, clerk, tasks, settings=settings))
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    window.start()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    origin = window.page("sell").form.origin
    assert focused() is origin and origin.text() == ""
    tasks.answer()
    assert origin.text() == "Porto Campanhã (PCA)"
    assert origin.selectedText() == origin.text()
    qtbot.keyClicks(origin, "MAD")
    assert origin.text() == "MAD"  # typing replaced the home station


def test_from_is_all_selected_when_tabbed_into_or_after_new_search(qtbot, desk_window, clerk):
    window = desk_window(clerk)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    form = window.page("sell").form
    origin = form.origin
    home = origin.text()
    assert focused() is origin and origin.selectedText() == home  # at start
    origin.end(False)  # the clerk moved the cursor; then goes on to To and back
    qtbot.keyClick(origin, Qt.Key.Key_Tab)
    assert focused() is form.destination
    qtbot.keyClick(form.destination, Qt.Key.Key_Backtab)
    assert focused() is origin and origin.selectedText() == home
    origin.end(False)
    qtbot.keyClick(origin, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # new search
    assert focused() is origin and origin.selectedText() == home
    form.destination.setFocus()
    origin.end(False)
    qtbot.keyClick(form.destination, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)  # From
    assert focused() is origin and origin.selectedText() == home
    qtbot.keyClicks(origin, "MAD")
    assert origin.text() == "MAD"


def test_a_station_set_in_a_focused_field_is_all_selected(qtbot, stations):
    form = SearchForm(stations)
    qtbot.addWidget(form)
    form.show()
    form.origin.setFocus()
    form.set_origin(LISBON)
    assert form.origin.selectedText() == "Porto Campanhã (PCA)"


def test_an_error_from_a_failed_search_goes_with_the_next_search(
    qtbot, desk_window, clerk, full_day
):
    from ticket_office.ui.shared.search import SearchQuery

    window = desk_window(clerk)
    page = window.page("sell")
    page.search(SearchQuery("XYZZY", "MAD", full_day, None))  # past the form: the server says
    assert "XYZZY" in page.message.message()
    page.search(SearchQuery("PCA", "MAD", full_day, None))
    assert page.message.message() == ""
    assert page.results_model.rowCount() == 10
