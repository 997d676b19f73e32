"""The deterministic demo network: two Iberian lines, one crossing the Portugal–Spain time-zone border."""
