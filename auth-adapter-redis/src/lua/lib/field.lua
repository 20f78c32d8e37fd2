-- The string field `name` of the JSON object in `raw`, or nil.
local function field(raw, name)
  local v = decode(raw)
  if v and type(v[name]) == 'string' then return v[name] end
  return nil
end
