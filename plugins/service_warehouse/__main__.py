"""``python -m service_warehouse`` is the same as ``svcwh``."""

from service_warehouse.cli import main

main()
