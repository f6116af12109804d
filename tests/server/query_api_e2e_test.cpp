// End-to-end tests of the query API through the real `ampd solo` binary: rows and types,
// a large streamed result, refused writes, error codes, concurrent clients.
#include "query_api_daemon.h"

#include <ampd_toolkit/pq.h>

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <istream>
#include <string>
#include <thread>
#include <vector>

namespace ampd::test {
namespace {

TEST(QueryApiE2E, RowsAndEveryTypeInTheMapping) {
  QueryApiDaemon ampd;

  auto reply = ampd.query("SELECT x AS n, 'row ' || x AS label FROM generate_series(1, 3) x");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.contentType, "application/x-ndjson");
  EXPECT_TRUE(reply.chunked);
  EXPECT_EQ(reply.body,
            "{\"n\":1,\"label\":\"row 1\"}\n{\"n\":2,\"label\":\"row 2\"}\n"
            "{\"n\":3,\"label\":\"row 3\"}\n");

  reply = ampd.query(R"(SELECT
      1::int2 AS i2, '-2147483648'::int4 AS i4, 9223372036854775807::int8 AS i8, 7::oid AS o,
      1.5::float4 AS f4, 0.1::float8 AS f8, 'NaN'::float8 AS nan, '-Infinity'::float8 AS ninf,
      123456789012345678901234567890.000000001::numeric AS num, true AS yes, false AS no,
      NULL::int AS nothing, '{"a": [1, "x"]}'::jsonb AS jb, '{"b":
        2}'::json AS j, '\x00ff'::bytea AS bin, 'say "hi"\ ✓' || chr(10) AS txt,
      date '2024-05-01' AS d, timestamp '2024-05-01 12:34:56.789' AS ts,
      timestamptz '2024-05-01 12:34:56+00' AS tstz, time '01:02:03' AS t,
      timetz '01:02:03+02' AS ttz, interval '1 day 2 hours' AS iv,
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS id,
      ARRAY[1, NULL, 3] AS ints, ARRAY[['a', 'b c'], ['"q"', NULL]] AS texts,
      ARRAY[1.5, 'NaN']::float8[] AS floats, ARRAY[true, false] AS bools,
      ARRAY['{"k": 1}'::jsonb] AS docs, ARRAY[1.10]::numeric[] AS nums,
      '[0:1]={7,8}'::int[] AS bounded, ARRAY[]::int[] AS empty,
      ARRAY[timestamptz '2024-05-01 00:00:00+00'] AS stamps)");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body,
            R"({"i2":1,"i4":-2147483648,"i8":9223372036854775807,"o":7,)"
            R"("f4":1.5,"f8":0.1,"nan":"NaN","ninf":"-Infinity",)"
            R"("num":"123456789012345678901234567890.000000001","yes":true,"no":false,)"
            R"("nothing":null,"jb":{"a": [1, "x"]},"j":{"b":         2},"bin":"\\x00ff",)"
            R"("txt":"say \"hi\"\\ ✓\n","d":"2024-05-01","ts":"2024-05-01T12:34:56.789",)"
            R"("tstz":"2024-05-01T12:34:56+00:00","t":"01:02:03","ttz":"01:02:03+02:00",)"
            R"("iv":"1 day 02:00:00","id":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",)"
            R"("ints":[1,null,3],"texts":[["a","b c"],["\"q\"",null]],)"
            R"("floats":[1.5,"NaN"],"bools":[true,false],"docs":[{"k": 1}],"nums":["1.10"],)"
            R"("bounded":[7,8],"empty":[],"stamps":["2024-05-01T00:00:00+00:00"]})"
            "\n");

  // Statements COPY cannot stream, or only with a fallback, still answer.
  EXPECT_EQ(ampd.query("SELECT 1 AS one;").body, "{\"one\":1}\n");
  EXPECT_EQ(ampd.query("/* c */ (SELECT 1 AS one) -- trailing").body, "{\"one\":1}\n");
  EXPECT_EQ(ampd.query("SHOW server_encoding").body, "{\"server_encoding\":\"UTF8\"}\n");
  EXPECT_EQ(ampd.query("VALUES (1, 'a')").body, "{\"column1\":1,\"column2\":\"a\"}\n");

  reply = ampd.query("SELECT 1 AS one WHERE false");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "");

  reply = ampd.request("GET", "/health");
  EXPECT_EQ(reply.status, 200);
}

TEST(QueryApiE2E, MillionRowsArriveCompleteAndInOrder) {
  QueryApiDaemon ampd;
  auto session = ampd.session();
  Poco::Net::HTTPRequest request("POST", "/", Poco::Net::HTTPMessage::HTTP_1_1);
  const std::string sql = "SELECT x AS n, x % 7 = 0 AS sevens FROM generate_series(1, 1000000) x";
  request.setContentLength(static_cast<std::streamsize>(sql.size()));
  session->sendRequest(request) << sql;
  Poco::Net::HTTPResponse response;
  auto& in = session->receiveResponse(response);
  ASSERT_EQ(response.getStatus(), Poco::Net::HTTPResponse::HTTP_OK);
  std::string line;
  long expected = 1;
  while (std::getline(in, line)) {
    const std::string want = "{\"n\":" + std::to_string(expected) +
                             ",\"sevens\":" + (expected % 7 == 0 ? "true" : "false") + "}";
    if (line != want) {
      FAIL() << "line " << expected << ": got " << line << ", want " << want;
    }
    ++expected;
  }
  EXPECT_EQ(expected - 1, 1000000);
}

TEST(QueryApiE2E, WriteIsRefusedAndNothingChanges) {
  QueryApiDaemon ampd;
  PgConnection db(ampd.databaseUrl());
  // The query API logs in as ampd_reader: it reads what the owner grants it, and no more.
  db.exec(
      "CREATE TABLE kept (x int); INSERT INTO kept VALUES (1); "
      "GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON kept TO ampd_reader");

  for (const std::string sql :
       {"INSERT INTO kept VALUES (2)", "UPDATE kept SET x = 5", "DELETE FROM kept",
        "DROP TABLE kept", "CREATE TABLE other (y int)", "TRUNCATE kept",
        "WITH gone AS (DELETE FROM kept RETURNING x) SELECT * FROM gone"}) {
    const auto reply = ampd.query(sql);
    EXPECT_EQ(reply.status, 400) << sql;
    EXPECT_NE(reply.body.find("\"error_code\":\"READ_ONLY_VIOLATION\""), std::string::npos)
        << sql << ": " << reply.body;
    EXPECT_NE(reply.body.find("read-only transaction"), std::string::npos) << reply.body;
  }
  EXPECT_EQ(db.exec("SELECT string_agg(x::text, ',') FROM kept").value(0, 0), "1");
  EXPECT_EQ(db.exec("SELECT count(*) FROM pg_tables WHERE tablename = 'other'").value(0, 0), "0");
  EXPECT_EQ(ampd.query("SELECT x FROM kept").body, "{\"x\":1}\n");
}

TEST(QueryApiE2E, ErrorAfterRowsIsTheLastLine) {
  QueryApiDaemon ampd;
  const auto reply = ampd.query("SELECT 10 / (3 - x) AS v FROM generate_series(1, 5) x");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body,
            "{\"v\":5}\n{\"v\":10}\n"
            "{\"error_code\":\"QUERY_ERROR\",\"error_message\":\"division by zero\"}\n");
  EXPECT_EQ(ampd.query("SELECT 1 AS one").body, "{\"one\":1}\n");
}

TEST(QueryApiE2E, MalformedRequestsAreAnsweredWithTheirCodes) {
  QueryApiDaemon ampd(Env{{"AMP_CONFIG_SERVER__MAX_BODY_BYTES", "1024"}});
  const auto expectError = [&](const HttpReply& reply, int status, const std::string& code) {
    EXPECT_EQ(reply.status, status) << reply.body;
    EXPECT_EQ(reply.contentType, "application/json");
    EXPECT_EQ(reply.body.rfind("{\"error_code\":\"" + code + "\",\"error_message\":\"", 0), 0u)
        << reply.body;
    // The daemon keeps serving after every malformed request.
    EXPECT_EQ(ampd.query("SELECT 1 AS one").body, "{\"one\":1}\n");
  };
  expectError(ampd.query(""), 400, "INVALID_SQL_STRING");
  expectError(ampd.query(" \n\t"), 400, "INVALID_SQL_STRING");
  expectError(ampd.query("-- only a comment"), 400, "INVALID_SQL_STRING");
  expectError(ampd.query("SELECT '\xff\xfe'"), 400, "INVALID_SQL_STRING");
  expectError(ampd.query(std::string("SELECT 1\0 AS x", 14)), 400, "INVALID_SQL_STRING");

  auto reply = ampd.query("SELECT 1 FORM nowhere");
  expectError(reply, 400, "SQL_PARSE_ERROR");
  EXPECT_NE(reply.body.find(R"(syntax error at or near \"nowhere\" (position 15))"),
            std::string::npos)
      << reply.body;
  expectError(ampd.query("SELECT 1; SELECT 2"), 400, "SQL_PARSE_ERROR");
  reply = ampd.query("SELECT * FROM no_such_table");
  expectError(reply, 400, "QUERY_ERROR");
  EXPECT_NE(reply.body.find("no_such_table"), std::string::npos);

  expectError(ampd.query("SELECT '" + std::string(2000, 'x') + "'"), 413, "PAYLOAD_TOO_LARGE");
  expectError(ampd.request("GET", "/"), 405, "METHOD_NOT_ALLOWED");
  expectError(ampd.request("POST", "/health"), 405, "METHOD_NOT_ALLOWED");
  expectError(ampd.request("POST", "/sql", "SELECT 1"), 404, "NOT_FOUND");
}

TEST(QueryApiE2E, ConcurrentClients) {
  QueryApiDaemon ampd;
  constexpr int kClients = 8;
  constexpr int kQueriesEach = 10;
  std::atomic<int> good{0};
  {
    std::vector<std::jthread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        for (int q = 0; q < kQueriesEach; ++q) {
          const int rows = 1000 + c * 100 + q;
          const auto reply =
              ampd.query("SELECT x FROM generate_series(1, " + std::to_string(rows) + ") x");
          const auto lines = std::count(reply.body.begin(), reply.body.end(), '\n');
          const auto last = "{\"x\":" + std::to_string(rows) + "}\n";
          if (reply.status == 200 && lines == rows && reply.body.ends_with(last)) ++good;
        }
      });
    }
  }
  EXPECT_EQ(good.load(), kClients * kQueriesEach);
}

}  // namespace
}  // namespace ampd::test
