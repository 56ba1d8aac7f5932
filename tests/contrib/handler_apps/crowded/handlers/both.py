from rapidsms.contrib.handlers import BaseHandler


class FirstHandler(BaseHandler):
    pass


class SecondHandler(BaseHandler):
    pass
