-- The JSON object or array in `raw`, or nil when it is not one.
local function decode(raw)
  local ok, v = pcall(cjson.decode, raw)
  if ok and type(v) == 'table' then return v end
  return nil
end
