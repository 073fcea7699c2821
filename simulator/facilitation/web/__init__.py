"""The facilitator's console in a browser: a facilitator's view and a room view of one session.

``server``   the HTTP server (standard library), its routes and its checks
``console``  the controls, mapped onto the :class:`~simulator.facilitation.Session`
``view``     the picture in words and map units, as the pages show it
``mapdata``  the map's fixed part: borders, places, labels, links, markers
``static/``  the pages, their script and style (nothing is fetched from elsewhere)

Started by ``tabletop play FILE --web``; nothing here is imported by ``tabletop run``.
"""
