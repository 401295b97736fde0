/// One slice of a database: a plain hash table plus the number of its keys with an expiry.
///
/// Segments are what copy-on-write copies after a snapshot, so their size bounds the
/// stall a writer can see while a background rewrite holds a snapshot.
@usableFromInline
struct Segment: Sendable {
    @usableFromInline var entries: [Key: Entry] = [:]
    @usableFromInline var volatileCount = 0

    @usableFromInline init() {}
}
