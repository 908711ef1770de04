"""Rules, grouped by concern; each module declares its rules through the ``confcheck_rules`` hook.

Code families (stable forever; ``--select CC1`` picks a family):

* ``CC1xx`` names handed to clients against certificate identities (:mod:`confcheck.rules.names`)
* ``CC2xx`` references that cannot be checked (:mod:`confcheck.rules.targets`)
* ``CC3xx`` certificate hygiene: expiry, self-signed, shared, weak or odd certificates (:mod:`confcheck.rules.certificates`)
* ``CC4xx`` whether the clients trust the chain a server presents (:mod:`confcheck.rules.trust`)
* ``CC5xx`` DNS records the fixes and Jabber's service discovery need (:mod:`confcheck.rules.dns`)
* ``CC9xx`` what the gate reports about waivers (:mod:`confcheck.rules.gate`)
"""
