"""The Qt desktop app. The only package that imports Qt; it talks to the services only."""
