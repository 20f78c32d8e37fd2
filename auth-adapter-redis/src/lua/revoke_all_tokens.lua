-- ARGV: P, user id. Removes every binding of the user. → how many
local owned, members = bound_tokens_of(ARGV[2])
return remove_bound_tokens(ARGV[2], owned, members)
