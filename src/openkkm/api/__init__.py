"""HTTP edge: parse, authorize, hand commands to jobs/, answer in the client dialect."""
