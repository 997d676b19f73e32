"""Write every desk's shortcut table into the README: python -m ticket_office.ui.shortcuts"""

from pathlib import Path

from ticket_office.ui.desks import all_shortcuts
from ticket_office.ui.shortcuts import README_END, README_START, markdown

readme_path = Path(__file__).resolve().parents[3] / "README.md"
text = readme_path.read_text(encoding="utf-8")
before, rest = text.split(README_START, 1)
after = rest.split(README_END, 1)[1]
body = f"{before}{README_START}\n{markdown(all_shortcuts()).strip()}\n{README_END}{after}"
readme_path.write_text(body, encoding="utf-8")
print(f"updated the shortcuts in {readme_path}")
