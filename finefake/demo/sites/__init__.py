"""The mini-web's sites, one module per site family: :mod:`~finefake.demo.sites.snopes`,
:mod:`~finefake.demo.sites.news`, :mod:`~finefake.demo.sites.social` (Reddit, Twitter), with the host names in
:mod:`~finefake.demo.sites.hosts` and the file layout in :mod:`~finefake.demo.sites.writer`. The HTML templates
are :mod:`finefake.demo.templates`; :mod:`finefake.demo.miniweb` plans the items and calls these."""
