import HTTPTypes
import NIOHTTP1
import Testing
import WokJSON
@testable import WokServer

/// `TransferCoding`: RFC 9112 section 6's rules for a request's `Transfer-Encoding` lines.
struct TransferCodingTests {
    static func head(_ lines: [String], other: [(String, String)] = [("Host", "localhost")]) -> HTTPRequestHead {
        HTTPRequestHead(version: .http1_1, method: .POST, uri: "/notifications",
                        headers: HTTPHeaders(other + lines.map { ("Transfer-Encoding", $0) }))
    }

    @Test func aRequestWithoutTransferEncodingIsServed() {
        #expect(TransferCoding.check(Self.head([])) == nil)
        #expect(TransferCoding.check(Self.head([], other: [("Host", "h"), ("Content-Length", "5"), ("TE", "gzip")])) == nil)
    }

    @Test(arguments: [["chunked"], ["Chunked"], ["CHUNKED"], [" chunked\t"], [", chunked,"], ["", "chunked"], ["chunked;x=1"]])
    func chunkedAloneIsServed(lines: [String]) {
        #expect(TransferCoding.check(Self.head(lines)) == nil)
    }

    @Test(arguments: [
        (["gzip, chunked"], "gzip"),
        (["GZIP , Chunked"], "GZIP"),
        (["deflate,chunked"], "deflate"),
        (["compress, gzip, chunked"], "compress"),
        (["x-custom;level=9, chunked"], "x-custom"),
        (["gzip", "chunked"], "gzip"),  // two lines make one list
        (["identity, chunked"], "identity"),
    ])
    func anotherCodingBeforeTheFinalChunkedIsNotImplemented(lines: [String], coding: String) {
        let refusal = TransferCoding.check(Self.head(lines))
        #expect(refusal == .notImplemented("the transfer coding \"\(coding)\" is not implemented (only chunked is)"))
        #expect(refusal?.reply.status.code == 501)
        #expect(refusal?.reply.body.serializedString(sortKeys: true)
            == #"{"error":"not_implemented","message":"the transfer coding \"\#(coding)\" is not implemented (only chunked is)"}"#)
    }

    @Test func aLongCodingNameIsCutInTheMessage() {
        let name = String(repeating: "z", count: 100)
        #expect(TransferCoding.check(Self.head(["\(name), chunked"]))
            == .notImplemented("the transfer coding \"\(String(repeating: "z", count: 64))...\" is not implemented (only chunked is)"))
    }

    @Test(arguments: [["gzip"], ["chunked, gzip"], ["chunked, identity"], ["chunked", "gzip"], ["gzip, chunked, deflate"]])
    func aFinalCodingOtherThanChunkedIsMalformed(lines: [String]) {
        let refusal = TransferCoding.check(Self.head(lines))
        #expect(refusal == .malformed("chunked must be the last transfer coding of a request (RFC 9112 section 6.3)"))
        #expect(refusal?.reply.status.code == 400)
    }

    @Test(arguments: [["chunked, chunked"], ["chunked", "chunked"], ["gzip, chunked, chunked"], ["chunked, gzip, chunked"]])
    func chunkedTwiceIsMalformed(lines: [String]) {
        #expect(TransferCoding.check(Self.head(lines)) == .malformed("the chunked transfer coding is applied more than once"))
    }

    @Test(arguments: [[""], [" , ,"], ["", ""]])
    func aHeaderNamingNoCodingIsMalformed(lines: [String]) {
        #expect(TransferCoding.check(Self.head(lines)) == .malformed("the Transfer-Encoding header names no transfer coding"))
    }

    @Test func theHeaderNameIsMatchedInAnyCase() {
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/", headers: HTTPHeaders([("TRANSFER-encoding", "gzip, chunked")]))
        #expect(TransferCoding.check(head) == .notImplemented("the transfer coding \"gzip\" is not implemented (only chunked is)"))
    }
}
