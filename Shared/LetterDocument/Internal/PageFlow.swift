/// One unbreakable piece of the letter's flow (a kop, a line of a paragraph, the signature block).
struct FlowItem {
    var height: Double
    /// Space above the item, dropped at the top of a page.
    var spaceBefore: Double
    /// The item must stay on the page of the item after it (orphan lines, a heading, the last
    /// body lines before the signature block so that block never stands alone).
    var keepWithNext = false
    /// The item starts a new page (the addressee list).
    var pageBreakBefore = false
    /// Draws the item with its top at the given y.
    var draw: (Double) -> Void
}

/// Where each item lands: a page index and the top y of the item.
struct Placement {
    var page: Int
    var top: Double
}

/// Places items top to bottom, page after page. `firstTop` is where page 1's flow starts,
/// `nextTop` where later pages start, `bottom` the lowest y an item may reach.
enum PageFlow {
    static func place(_ items: [FlowItem], firstTop: Double, nextTop: Double, bottom: Double) -> [Placement] {
        var placements: [Placement] = []
        placements.reserveCapacity(items.count)
        var page = 0
        var y = firstTop
        var index = 0
        // Where the current page's first item is; a keep-with-next chain never moves it.
        var pageStart = 0
        while index < items.count {
            let item = items[index]
            let atTop = index == pageStart
            let needed = (atTop ? 0 : item.spaceBefore) + item.height
            let breakHere = item.pageBreakBefore && !atTop
            if !breakHere && (y + needed <= bottom || atTop) {
                // An item taller than a whole page is placed anyway (it overflows) rather than looping.
                placements.append(Placement(page: page, top: y + (atTop ? 0 : item.spaceBefore)))
                y += needed
                index += 1
                continue
            }
            // Move the chain of keep-with-next items before this one along, unless that empties the page.
            var chainStart = index
            if !breakHere {
                while chainStart - 1 > pageStart, items[chainStart - 1].keepWithNext { chainStart -= 1 }
            }
            placements.removeLast(index - chainStart)
            page += 1
            y = nextTop
            index = chainStart
            pageStart = chainStart
        }
        return placements
    }
}
