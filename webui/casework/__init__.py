"""Notes and documents on every case page, the candidate page and the search box.

`panel` builds what the case pages show (imported by `webui.cases`); `views` holds the routes.
"""
