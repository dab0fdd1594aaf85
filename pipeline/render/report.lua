-- Shared by Quarto (run before Quarto's own filters: `at: pre-ast`) and the fallback (pandoc).
-- * Table cells that are short (at most 8 characters) or number-like (digits, signs, separators,
--   %, ranges) are kept on one line. HTML: <span class="nowrap">; Typst: #box[...].
-- * Typst only: callouts (::: {.callout-KIND} with a "## title") become #report-callout(...)
--   from typst-template.typ. Quarto's own Typst callouts import a Typst package from the
--   internet (fontawesome icons), which an offline intranet machine cannot fetch.

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

local function fix_cell(cell)
  local blocks = cell.contents
  if #blocks == 1 and (blocks[1].t == "Plain" or blocks[1].t == "Para") then
    if keep_whole(pandoc.utils.stringify(blocks[1])) then
      cell.contents = { pandoc.Plain(whole(blocks[1].content)) }
    end
  end
  return cell
end

local function fix_rows(rows)
  for _, row in ipairs(rows) do
    for i, cell in ipairs(row.cells) do
      row.cells[i] = fix_cell(cell)
    end
  end
end

function Table(tbl)
  fix_rows(tbl.head.rows)
  for _, body in ipairs(tbl.bodies) do
    fix_rows(body.body)
  end
  if FORMAT:match("typst") and tbl.classes:includes("wide") then
    -- too wide for the page at the usual size (pipeline/document.py): a smaller font
    return { pandoc.RawBlock("typst", "#[#set text(size: 6.5pt)"), tbl, pandoc.RawBlock("typst", "]") }
  end
  return tbl
end

function Div(div)
  if not FORMAT:match("typst") then
    return nil
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
