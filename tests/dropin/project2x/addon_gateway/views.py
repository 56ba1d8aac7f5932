from rapidsms.backends.http.views import GenericHttpBackendView

from .forms import AddonForm


class AddonBackendView(GenericHttpBackendView):
    http_method_names = ["post"]
    form_class = AddonForm
