from rapidsms.contrib.handlers import BaseHandler


class PrivateHandler(BaseHandler):
    """Lives in a module whose name starts with "_": discovery must skip it."""
