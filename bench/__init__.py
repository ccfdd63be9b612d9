"""`make bench`: the programme at full scale, served by gunicorn and measured from outside."""
