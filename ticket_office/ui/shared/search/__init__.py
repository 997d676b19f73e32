"""Journey search: the station completer, the search form and the results table."""

from ticket_office.ui.shared.search.form import SearchForm, SearchQuery
from ticket_office.ui.shared.search.results_model import JourneyProxyModel, JourneyTableModel
from ticket_office.ui.shared.search.results_table import JourneyTable
from ticket_office.ui.shared.search.stations import StationCompleter, StationField, StationListModel

__all__ = [
    "JourneyProxyModel",
    "JourneyTable",
    "JourneyTableModel",
    "SearchForm",
    "SearchQuery",
    "StationCompleter",
    "StationField",
    "StationListModel",
]
