"""Emergency access ("break the glass", ONC 170.315(d)(6)).

A designated staff user (the `emergency.break_glass` permission, given in the admin site, and a
staff membership: `policy.is_staff_member`) who needs the record of a client outside their
scope enters the client's EHR id and a written reason. They get access to that one client until
`expires_at` (settings.EMERGENCY_ACCESS_HOURS, 4 hours by default) or until they end it early.
Every grant is audited ("emergency") and waits for review by a supervisor or administrator of
the client's program (or a superuser), who records whether it was appropriate
("emergency_review"); nobody reviews their own grant.

Decision: the grant is READ ONLY. It opens the client in the read scopes of the access policy
(`staff_visible_clients`, `visible_clients`, hence `visible_sessions`, `visible_assignments` and
the `get_*_for(..., write=False)` lookups), never in `writable_clients`. Seeing the record is
what an emergency needs (the caregivers' contacts, the sessions, the homework, the notes);
writing stays with the client's care team, and an on-call worker documents the crisis contact
in the EHR, the system of record. Least privilege keeps the review question simple: who looked,
and why.

Scope: only clients of the organizations where the user holds a staff membership (EHR ids are
unique per organization).
"""
