"""Visual QA of the mirror: does each mirror page look and read like the page the old server sent?

It lives in ``site_out`` because what it judges is the mirror (the files a reader opens), and a
newcomer who changes how the mirror rewrites pages will look here for what checks it. The
original side is the master WARC replayed by pywb (``archive.package.replay``), so the check
never trusts the mirror code to show the "before".

- :mod:`site_out.qa.pairs`: which mirror file shows which capture (the mirror's own plan);
- :mod:`site_out.qa.render`: both renderings of each page in Chromium (Playwright), in parallel;
- :mod:`site_out.qa.compare`: the scores (pillow for the pictures, difflib for the text);
- :mod:`site_out.qa.check`: both renderings of a page judged against the ``[qa]`` thresholds
  (:mod:`site_out.qa.options`), worst pages first;
- :mod:`site_out.qa.page`: ``_sunset/qa.html`` and ``qa.json``;

Playwright and pillow are the optional ``qa`` extra; nothing else in the project imports this package.
"""
