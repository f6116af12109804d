// RequestReader: the incremental request parser, fed byte by byte and in one piece.
#include "request_reader.h"

#include <gtest/gtest.h>

namespace ampd {
namespace {

using Step = RequestReader::Step;

Step feedAll(RequestReader& reader, std::string& input, bool byteByByte) {
  if (!byteByByte) {
    Step step;
    while ((step = reader.advance(input)) == Step::HeadParsed) {
    }
    return step;
  }
  std::string pending;
  Step step = Step::NeedMore;
  for (const char c : std::string(input)) {
    pending.push_back(c);
    while ((step = reader.advance(pending)) == Step::HeadParsed) {
    }
    if (step != Step::NeedMore) break;
  }
  input = pending;
  return step;
}

TEST(RequestReader, DecodesAChunkedBodyInOnePieceAndByteByByte) {
  for (const bool byteByByte : {false, true}) {
    RequestReader reader({16384, 1000});
    std::string input =
        "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\nGET /next";
    ASSERT_EQ(feedAll(reader, input, byteByByte), Step::Complete);
    EXPECT_EQ(reader.body(), "hello world");
    EXPECT_EQ(reader.request().getURI(), "/x");
    if (!byteByByte) {
      EXPECT_EQ(input, "GET /next");  // pipelined bytes stay
    }
  }
}

TEST(RequestReader, StopsAChunkedBodyAtTheLimit) {
  RequestReader reader({16384, 10});
  std::string input =
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n1234";
  EXPECT_EQ(feedAll(reader, input, false), Step::Failed);
  EXPECT_EQ(reader.error().status, 413);
  EXPECT_LE(reader.body().size(), 10u);
}

TEST(RequestReader, RefusesAContentLengthAboveTheLimitBeforeReadingIt) {
  RequestReader reader({16384, 10});
  std::string input = "POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n";
  EXPECT_EQ(feedAll(reader, input, false), Step::Failed);
  EXPECT_EQ(reader.error().status, 413);
}

TEST(RequestReader, RefusesAnOversizedHead) {
  RequestReader reader({64, 10});
  std::string input = "GET / HTTP/1.1\r\nX: " + std::string(100, 'a');
  EXPECT_EQ(feedAll(reader, input, false), Step::Failed);
  EXPECT_EQ(reader.error().status, 431);
}

TEST(RequestReader, RefusesMalformedFraming) {
  for (const std::string head :
       {"GET /x\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
    RequestReader reader({16384, 1000});
    std::string input = head;
    EXPECT_EQ(feedAll(reader, input, false), Step::Failed) << head;
    EXPECT_EQ(reader.error().status, 400) << head;
  }
}

}  // namespace
}  // namespace ampd
