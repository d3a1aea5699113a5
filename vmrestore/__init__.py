"""`vmrestore`: the command-line client of the restore HTTP API. Needs only `requests` (`pip install '.[cli]'`)."""
