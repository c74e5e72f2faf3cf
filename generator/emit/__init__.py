"""The emitters: each turns the schema model's document (and what the model says) into one kind of
generated artifact."""
