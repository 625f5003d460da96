"""The ``econsim`` command line: one module per subcommand, dispatched by :mod:`econsim.cli.main`."""
