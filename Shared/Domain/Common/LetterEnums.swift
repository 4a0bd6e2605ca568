// Enumerations of an Indonesian official letter (naskah dinas). Int32 raw values with a 0
// "unspecified" case follow proto3 enum rules, so an absent field decodes to `.unspecified`
// and validation can tell "not chosen" from a real value.

/// Type of official letter (jenis naskah dinas). `surat` is the ordinary letter (surat dinas).
public enum LetterType: Int32, Codable, Sendable, CaseIterable, Hashable {
    case unspecified = 0
    case surat = 1
    case undangan = 2
    case suratEdaran = 3
    case notaDinas = 4
    case suratKeputusan = 5
    case suratTugas = 6
    case suratPerintah = 7
    case suratKeterangan = 8
    case suratPengantar = 9
    case suratKuasa = 10
    case pengumuman = 11
    case beritaAcara = 12
    case laporan = 13
    case telaahanStaf = 14
    case other = 15

    /// The name as printed on a letter or in the agenda book.
    public var displayName: String {
        switch self {
        case .unspecified: "(unspecified)"
        case .surat: "Surat"
        case .undangan: "Undangan"
        case .suratEdaran: "Surat Edaran"
        case .notaDinas: "Nota Dinas"
        case .suratKeputusan: "Surat Keputusan"
        case .suratTugas: "Surat Tugas"
        case .suratPerintah: "Surat Perintah"
        case .suratKeterangan: "Surat Keterangan"
        case .suratPengantar: "Surat Pengantar"
        case .suratKuasa: "Surat Kuasa"
        case .pengumuman: "Pengumuman"
        case .beritaAcara: "Berita Acara"
        case .laporan: "Laporan"
        case .telaahanStaf: "Telaahan Staf"
        case .other: "Lainnya"
        }
    }
}

/// Security classification (sifat) of a letter.
public enum Sifat: Int32, Codable, Sendable, CaseIterable, Hashable {
    case unspecified = 0
    case biasa = 1
    case terbatas = 2
    case rahasia = 3
    case sangatRahasia = 4

    public var displayName: String {
        switch self {
        case .unspecified: "(unspecified)"
        case .biasa: "Biasa"
        case .terbatas: "Terbatas"
        case .rahasia: "Rahasia"
        case .sangatRahasia: "Sangat Rahasia"
        }
    }
}

/// Urgency (derajat kecepatan) of a letter.
public enum Urgency: Int32, Codable, Sendable, CaseIterable, Hashable {
    case unspecified = 0
    case biasa = 1
    case segera = 2
    case sangatSegera = 3
    case kilat = 4

    public var displayName: String {
        switch self {
        case .unspecified: "(unspecified)"
        case .biasa: "Biasa"
        case .segera: "Segera"
        case .sangatSegera: "Sangat Segera"
        case .kilat: "Kilat"
        }
    }
}

/// What kind of body an addressee (Yth.) is; the SOP distributes to villages, agencies and institutions.
public enum AddresseeKind: Int32, Codable, Sendable, CaseIterable, Hashable {
    case unspecified = 0
    case desa = 1
    case dinas = 2
    case instansi = 3
    case other = 4
}
