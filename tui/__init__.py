"""penmark's interfaces: the Textual app and the command line."""
