special
