local function starts(s, p) return string.sub(s, 1, #p) == p end
