"""Commands of the ``tabletop`` command line beyond validate and run, one module each."""
