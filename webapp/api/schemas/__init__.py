"""marshmallow schemas for every API request and response, one module per area; the OpenAPI
document comes from them.

Importing the package installs the Chinese validation messages (:mod:`webapp.api.messages`)
before any schema module defines a field, whichever area is imported first.
"""

from webapp.api import messages

messages.install()
