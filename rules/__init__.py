"""Rules, grouped by concern; each module declares its rules through the ``confcheck_rules`` hook.

Code families (stable forever; ``--select CC1`` picks a family):

* ``CC1xx`` names handed to clients against certificate identities (:mod:`confcheck.rules.names`)
* ``CC2xx`` references that cannot be checked (:mod:`confcheck.rules.targets`)
* ``CC5xx`` DNS records the fixes and Jabber's service discovery need (:mod:`confcheck.rules.dns`)
* ``CC9xx`` what the gate reports about waivers (:mod:`confcheck.rules.gate`)
"""
