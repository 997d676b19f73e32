"""The conductor's desk: journeys and their seat maps, read-only (ticket checks come next)."""
