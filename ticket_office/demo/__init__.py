"""The deterministic demo network: two Iberian lines, one crossing a time-zone border."""
