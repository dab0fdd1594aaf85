-- The fallback's stand-in for what Quarto does to the report's constructs (pandoc, HTML):
--   * tables {#tbl-…} and figures {#fig-…} are numbered in order, their captions become
--     "表 1： …" / "图 1： …", and the table's tbl-colwidths become its column widths;
--   * @tbl-… / @fig-… become links "表 1" / "图 1" to them;
--   * ::: {.callout-KIND} with a "## title" becomes a titled box (the title is not a section).
-- Titles and separator come from the front matter's crossref: (passed as crossref-json).

local titles = { tbl = "表", fig = "图" }
local delim = "："
local numbers = {}

local function read_options(meta)
  local raw = meta["crossref-json"]
  if raw then
    local options = pandoc.json.decode(pandoc.utils.stringify(raw))
    titles.tbl = options["tbl-title"] or titles.tbl
    titles.fig = options["fig-title"] or titles.fig
    delim = options["title-delim"] or delim
  end
end

local function label(kind, number)
  return titles[kind] .. "\u{a0}" .. tostring(number) -- as Quarto: "表 1" with a no-break space
end

local function prefix_caption(caption, kind, number)
  local text = pandoc.List({ pandoc.Str(label(kind, number) .. delim), pandoc.Space() })
  local long = caption.long
  if #long > 0 and (long[1].t == "Plain" or long[1].t == "Para") then
    text:extend(long[1].content)
    long[1] = pandoc.Plain(text)
  else
    long:insert(1, pandoc.Plain(text))
  end
  caption.long = long
  return caption
end

local function column_widths(tbl)
  local spec = tbl.attributes["tbl-colwidths"]
  if not spec then
    return
  end
  local widths = pandoc.json.decode(spec)
  if type(widths) ~= "table" or #widths ~= #tbl.colspecs then
    return
  end
  local total = 0
  for _, w in ipairs(widths) do
    total = total + w
  end
  for i, colspec in ipairs(tbl.colspecs) do
    tbl.colspecs[i] = { colspec[1], widths[i] / total }
  end
end

local counters = { tbl = 0, fig = 0 }

local function number_floats(doc)
  return doc:walk({
    Table = function(tbl)
      local id = tbl.identifier
      if id:match("^tbl%-") then
        counters.tbl = counters.tbl + 1
        numbers[id] = label("tbl", counters.tbl)
        tbl.caption = prefix_caption(tbl.caption, "tbl", counters.tbl)
        column_widths(tbl)
        tbl.classes:insert("report-table")
      end
      return tbl
    end,
    Figure = function(fig)
      local id = fig.identifier
      if id:match("^fig%-") then
        counters.fig = counters.fig + 1
        numbers[id] = label("fig", counters.fig)
        fig.caption = prefix_caption(fig.caption, "fig", counters.fig)
      end
      return fig
    end,
  })
end

local function resolve(doc)
  return doc:walk({
    Cite = function(cite)
      if #cite.citations == 1 then
        local id = cite.citations[1].id
        if numbers[id] then
          return pandoc.Link(numbers[id], "#" .. id, "", pandoc.Attr("", { "quarto-xref" }))
        end
        return pandoc.Strong(pandoc.Str("?@" .. id))
      end
    end,
    Div = function(div)
      local kind = nil
      for _, class in ipairs(div.classes) do
        kind = kind or class:match("^callout%-(%a+)$")
      end
      if not kind then
        return nil
      end
      local blocks = div.content
      local title = pandoc.List({ pandoc.Str(kind) })
      if #blocks > 0 and blocks[1].t == "Header" then
        title = blocks[1].content
        blocks = pandoc.Blocks({ table.unpack(blocks, 2) })
      end
      return pandoc.Div({
        pandoc.Div(pandoc.Plain(title), pandoc.Attr("", { "callout-header" })),
        pandoc.Div(blocks, pandoc.Attr("", { "callout-body" })),
      }, pandoc.Attr(div.identifier, { "callout", "callout-" .. kind }))
    end,
  })
end

function Pandoc(doc)
  read_options(doc.meta)
  doc = number_floats(doc)
  return resolve(doc)
end
