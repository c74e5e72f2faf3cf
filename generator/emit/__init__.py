"""The emitters: each turns the schema model (its nodes, its records of the paths, its canonical document) into
one kind of generated artifact."""
