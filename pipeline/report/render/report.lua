-- Shared by Quarto (run before Quarto's own filters: `at: pre-ast`) and the fallback (pandoc).
-- * Table cells that are short (at most 8 characters) or number-like (digits, signs, separators,
--   %, ranges) are kept on one line. HTML: <span class="nowrap">; Typst: #box[...].
-- * Typst only: callouts (::: {.callout-KIND} with a "## title") become #report-callout(...)
--   from typst-template.typ. Quarto's own Typst callouts import a Typst package from the
--   internet (fontawesome icons), which an offline intranet machine cannot fetch.
-- * Typst only: ::: {.page-break} (before every chapter, every region and every section
--   whose table is longer than a page: markup.starts_page) becomes
--   #pagebreak(weak: true); in HTML, report.css breaks the page in print.

local MAX_SHORT = 8

local function number_like(text)
  -- ASCII digits and punctuation, spaces and the range/minus dashes used in the report
  local stripped = text:gsub("–", ""):gsub("—", ""):gsub("−", "")
  return stripped:match("^[%d%p%s]+$") ~= nil
end

local function keep_whole(text)
  if text == "" then
    return false
  end
  return utf8.len(text) <= MAX_SHORT or number_like(text)
end

local function whole(inlines)
  if FORMAT:match("typst") then
    local boxed = pandoc.List({ pandoc.RawInline("typst", "#box[") })
    boxed:extend(inlines)
    boxed:insert(pandoc.RawInline("typst", "]"))
    return boxed
  end
  return pandoc.List({ pandoc.Span(inlines, pandoc.Attr("", { "nowrap" })) })
end

-- Typst: a table too wide for the page at the usual size (in a ::: {.wide} div, written by
-- pipeline/report/markup.py) is set smaller, cell by cell.
local function smaller(inlines)
  local sized = pandoc.List({ pandoc.RawInline("typst", "#text(size: 7pt)[") })
  sized:extend(inlines)
  sized:insert(pandoc.RawInline("typst", "]"))
  return sized
end

local function keep_short_cells_whole(cell)
  local blocks = cell.contents
  if #blocks == 1 and (blocks[1].t == "Plain" or blocks[1].t == "Para") then
    if keep_whole(pandoc.utils.stringify(blocks[1])) then
      cell.contents = { pandoc.Plain(whole(blocks[1].content)) }
    end
  end
  return cell
end

local function set_smaller(cell)
  local blocks = cell.contents
  if #blocks == 1 and (blocks[1].t == "Plain" or blocks[1].t == "Para") then
    cell.contents = { pandoc.Plain(smaller(blocks[1].content)) }
  end
  return cell
end

local function fix_rows(rows, fix)
  local fixed = pandoc.List({})
  for _, row in ipairs(rows) do
    local cells = pandoc.List({})
    for _, cell in ipairs(row.cells) do
      cells:insert(fix(cell))
    end
    row.cells = cells
    fixed:insert(row)
  end
  return fixed
end

local function each_cell(tbl, fix)
  local head = tbl.head
  head.rows = fix_rows(head.rows, fix)
  tbl.head = head
  local bodies = pandoc.List({})
  for _, body in ipairs(tbl.bodies) do
    body.body = fix_rows(body.body, fix)
    bodies:insert(body)
  end
  tbl.bodies = bodies
  return tbl
end

function Table(tbl)
  return each_cell(tbl, keep_short_cells_whole)
end

function Div(div)
  if not FORMAT:match("typst") then
    return nil
  end
  if div.classes:includes("page-break") then -- the CSS breaks the page in HTML (print)
    return pandoc.RawBlock("typst", "#pagebreak(weak: true)")
  end
  if div.classes:includes("wide") then
    return div:walk({ Table = function(tbl) return each_cell(tbl, set_smaller) end })
  end
  local kind = nil
  for _, class in ipairs(div.classes) do
    kind = kind or class:match("^callout%-(%a+)$")
  end
  if not kind then
    return nil
  end
  local blocks = div.content
  local title = pandoc.List({})
  if #blocks > 0 and blocks[1].t == "Header" then
    title = blocks[1].content
    blocks = pandoc.List({ table.unpack(blocks, 2) })
  end
  local result = pandoc.List({
    pandoc.RawBlock("typst", '#report-callout(kind: "' .. kind .. '", title: ['),
    pandoc.Plain(title),
    pandoc.RawBlock("typst", "])["),
  })
  result:extend(blocks)
  result:insert(pandoc.RawBlock("typst", "]"))
  return result
end
