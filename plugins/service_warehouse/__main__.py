"""``python -m service_warehouse`` is the same as ``svcwh``."""

from service_warehouse.cli import main

if __name__ == "__main__":  # Airflow's plugin loader imports every .py under a plugins folder
    main()
