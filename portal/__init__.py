"""The member portal: members sign in without a password (a link, or a printed code with the
date of birth) and see and change their own membership. Nothing here is reachable by another
member, an agency or a union admin's session."""
