"""Device drivers: one per device family, each registered under a kind name (see ``base``).

Importing this package imports every built-in driver module, which registers its kind; the
registry in ``base`` is the one place kinds are looked up.
"""

from openkkm.drivers import virtual as virtual
from openkkm.drivers import shtrih as shtrih
from openkkm.drivers import escpos as escpos
from openkkm.drivers import screen as screen
from openkkm.drivers import cups as cups
from openkkm.drivers import atol as atol
