"""Device drivers: one per device family, each registered under a kind name (see ``base``)."""
