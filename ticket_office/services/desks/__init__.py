"""The services each desk may call, one facade per desk, each bound to the signed-in operator.

`SignInServices` signs operators in and binds a desk's facade to the operator who signed in:
`CounterServices` (search, seats, sales, bookings, changes, tickets), `ConductorServices`
(journeys and seat maps read-only, bookings read-only, the keys that check tickets) and
`SupervisorServices` (operators, signing keys). Each method is one short transaction over a
service-layer function, which still checks the operator's role itself.
"""

from ticket_office.services.desks.conductor import ConductorServices
from ticket_office.services.desks.counter import CounterServices
from ticket_office.services.desks.sign_in import SignInServices
from ticket_office.services.desks.supervisor import SupervisorServices

__all__ = ["ConductorServices", "CounterServices", "SignInServices", "SupervisorServices"]
