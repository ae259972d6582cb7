#define BOOST_TEST_MODULE flow receiving
#include <boost/test/unit_test.hpp>

#include "support/flow_helpers.hpp"

BOOST_AUTO_TEST_SUITE(receiving)

BOOST_AUTO_TEST_CASE(data_is_taken_round_robin_across_channels) {
  input_set in(3);
  for (int k = 0; k < 3; ++k)
    for (size_t c = 0; c < 3; ++c)
      in.push(c, element::of(batch_of(1, static_cast<int>(c) * 100 + k)));
  in.push(0, element::of(batch_of(1, 3)));
  in.push(2, element::of(batch_of(1, 203)));
  in.push(0, element::of(batch_of(1, 4)));
  BOOST_TEST(trace(take_all(in)) ==
                 (strings{"d0:0", "d1:100", "d2:200", "d0:1", "d1:101", "d2:201", "d0:2", "d1:102", "d2:202",
                          "d0:3", "d2:203", "d0:4"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_busy_channel_does_not_starve_a_quiet_one) {
  input_set in(2);
  for (int k = 0; k < 10; ++k)
    in.push(0, element::of(batch_of(1, k)));
  BOOST_TEST(trace({*in.next()}) == strings{"d0:0"});
  in.push(1, element::of(batch_of(1, 100)));
  BOOST_TEST(trace({*in.next()}) == strings{"d1:100"});
  BOOST_TEST(trace({*in.next()}) == strings{"d0:1"});
}

BOOST_AUTO_TEST_CASE(a_barrier_aligns_on_all_inputs_before_it_is_forwarded) {
  input_set in(3);
  in.push(0, element::of(batch_of(1, 0)));
  in.push(0, element::barrier(1));
  in.push(0, element::of(batch_of(1, 1))); // after the barrier: must wait
  in.push(1, element::of(batch_of(1, 100)));
  in.push(1, element::of(batch_of(1, 101)));
  in.push(1, element::of(batch_of(1, 102)));
  in.push(1, element::barrier(1));
  in.push(1, element::of(batch_of(1, 103)));
  in.push(2, element::of(batch_of(1, 200)));

  BOOST_TEST(trace({*in.next(), *in.next(), *in.next()}) == (strings{"d0:0", "d1:100", "d2:200"}),
             boost::test_tools::per_element());
  BOOST_TEST(!in.aligning());
  // Channel 0 delivers barrier 1 and is held; 1 keeps flowing.
  BOOST_TEST(trace({*in.next()}) == strings{"d1:101"});
  BOOST_TEST(in.aligning());
  BOOST_TEST(trace({*in.next()}) == strings{"d1:102"});
  // Channel 1 delivered it too; channel 2 has not: nothing may come out.
  BOOST_TEST(!in.next().has_value());
  BOOST_TEST(in.aligning());
  in.push(2, element::of(batch_of(1, 201)));
  BOOST_TEST(trace({*in.next()}) == strings{"d2:201"});
  BOOST_TEST(!in.next().has_value());
  in.push(2, element::barrier(1));
  in.push(2, element::of(batch_of(1, 202)));
  auto rest = take_all(in);
  BOOST_TEST(trace(rest) == (strings{"b1", "d0:1", "d1:103", "d2:202"}), boost::test_tools::per_element());
  BOOST_TEST(!in.aligning());
}

BOOST_AUTO_TEST_CASE(exactly_one_barrier_comes_out_per_epoch) {
  input_set in(4);
  for (int epoch = 1; epoch <= 3; ++epoch)
    for (size_t c = 0; c < 4; ++c) {
      in.push(c, element::of(batch_of(1, epoch * 10 + static_cast<int>(c))));
      in.push(c, element::barrier(epoch));
    }
  auto items = take_all(in);
  std::vector<int64_t> barriers;
  size_t data = 0;
  for (auto& it : items) {
    if (it.e.what == kind::barrier)
      barriers.push_back(it.e.value);
    else if (it.e.what == kind::data) {
      ++data;
      // Data of epoch e comes after barrier e-1 and before barrier e.
      BOOST_TEST(first_id(it.e) / 10 == static_cast<int>(barriers.size()) + 1, trace({it})[0]);
    }
  }
  BOOST_TEST(barriers == (std::vector<int64_t>{1, 2, 3}), boost::test_tools::per_element());
  BOOST_TEST(data == 12u);
}

BOOST_AUTO_TEST_CASE(an_ended_channel_does_not_hold_a_barrier_back) {
  input_set in(2);
  in.push(1, element::end_of_stream());
  in.push(0, element::barrier(7));
  BOOST_TEST(trace(take_all(in)) == strings{"b7"}, boost::test_tools::per_element());
  // A channel ending while the other waits on a barrier releases it.
  input_set in2(2);
  in2.push(0, element::barrier(8));
  in2.push(0, element::of(batch_of(1, 1)));
  BOOST_TEST(!in2.next().has_value());
  in2.push(1, element::end_of_stream());
  BOOST_TEST(trace(take_all(in2)) == (strings{"b8", "d0:1"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_watermark_out_is_the_minimum_over_open_channels_and_only_when_it_advances) {
  input_set in(2);
  in.push(0, element::watermark(10));
  BOOST_TEST(!in.next().has_value()); // channel 1 has no watermark yet
  in.push(1, element::watermark(5));
  BOOST_TEST(trace(take_all(in)) == strings{"w5"});
  in.push(1, element::watermark(20));
  BOOST_TEST(trace(take_all(in)) == strings{"w10"});
  in.push(0, element::watermark(10)); // no advance
  in.push(0, element::watermark(8));  // going back is ignored
  BOOST_TEST(take_all(in).empty());
  in.push(0, element::watermark(30));
  BOOST_TEST(trace(take_all(in)) == strings{"w20"});
  in.push(1, element::watermark(25));
  in.push(1, element::watermark(40));
  BOOST_TEST(trace(take_all(in)) == (strings{"w25", "w30"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(watermarks_keep_their_place_between_data) {
  input_set in(1);
  in.push(0, element::of(batch_of(1, 0)));
  in.push(0, element::watermark(100));
  in.push(0, element::of(batch_of(1, 1)));
  BOOST_TEST(trace(take_all(in)) == (strings{"d0:0", "w100", "d0:1"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_ended_channel_no_longer_holds_the_watermark_back) {
  input_set in(3);
  in.push(0, element::watermark(10));
  in.push(1, element::watermark(50));
  in.push(2, element::watermark(30));
  BOOST_TEST(trace(take_all(in)) == strings{"w10"});
  in.push(0, element::end_of_stream());
  BOOST_TEST(trace(take_all(in)) == strings{"w30"});
  in.push(2, element::end_of_stream());
  BOOST_TEST(trace(take_all(in)) == strings{"w50"});
  in.push(1, element::end_of_stream());
  BOOST_TEST(trace(take_all(in)) == (strings{"eoi", "eos"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_channel_ending_during_alignment_still_releases_the_watermark) {
  input_set in(2);
  in.push(0, element::watermark(100));
  in.push(1, element::watermark(10));
  BOOST_TEST(trace(take_all(in)) == strings{"w10"});
  in.push(0, element::barrier(1));
  in.push(1, element::end_of_stream());
  BOOST_TEST(trace(take_all(in)) == (strings{"b1", "w100"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(without_alignment_a_barrier_blocks_no_channel_and_comes_out_once_all_delivered_it) {
  input_set in(2, false);
  in.push(0, element::barrier(1));
  in.push(0, element::of(batch_of(1, 5))); // after the barrier: flows at once (at-least-once)
  BOOST_TEST(trace(take_all(in)) == (strings{"d0:5"}), boost::test_tools::per_element());
  in.push(1, element::barrier(1));
  BOOST_TEST(trace(take_all(in)) == (strings{"b1"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(end_of_input_comes_out_once_all_channels_announced_it_and_blocks_nothing) {
  input_set in(2);
  in.push(0, element::end_of_input());
  in.push(0, element::barrier(3)); // the final checkpoint still flows after the end of input
  in.push(1, element::of(batch_of(1, 7)));
  BOOST_TEST(trace(take_all(in)) == (strings{"d1:7"}), boost::test_tools::per_element());
  in.push(1, element::end_of_input());
  in.push(1, element::barrier(3));
  in.push(0, element::end_of_stream());
  in.push(1, element::end_of_stream());
  BOOST_TEST(trace(take_all(in)) == (strings{"eoi", "b3", "eos"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_end_of_input_is_a_stop_when_the_sources_of_any_channel_were_stopped) {
  for (bool second_stopped : {false, true}) {
    input_set in(2);
    in.push(0, element::end_of_input(true)); // a stopped source: stages keep what they hold
    in.push(1, element::end_of_input(second_stopped));
    auto e = in.next();
    BOOST_TEST_REQUIRE(e.has_value());
    BOOST_TEST((e->e.what == element::kind::end_of_input));
    BOOST_TEST(e->e.value == 1);
  }
  input_set in(2);
  in.push(0, element::end_of_input());
  in.push(1, element::end_of_input());
  BOOST_TEST(in.next()->e.value == 0, "inputs that ran out: stages emit what they hold");
}

BOOST_AUTO_TEST_CASE(end_of_stream_comes_out_exactly_once_after_every_channel_ended) {
  input_set in(3);
  in.push(0, element::of(batch_of(1, 0)));
  in.push(0, element::end_of_stream());
  in.push(1, element::end_of_stream());
  in.push(1, element::end_of_stream()); // a duplicate must not produce a second one
  in.push(2, element::of(batch_of(1, 200)));
  BOOST_TEST(trace(take_all(in)) == (strings{"d0:0", "d2:200"}), boost::test_tools::per_element());
  BOOST_TEST(!in.ended());
  in.push(2, element::of(batch_of(1, 201)));
  in.push(2, element::end_of_stream());
  BOOST_TEST(trace(take_all(in)) == (strings{"d2:201", "eoi", "eos"}), boost::test_tools::per_element());
  BOOST_TEST(in.ended());
  in.push(2, element::end_of_stream());
  BOOST_TEST(take_all(in).empty());
  BOOST_TEST(in.ended());
}

BOOST_AUTO_TEST_CASE(queued_records_counts_data_waiting_in_every_channel) {
  input_set in(2);
  BOOST_TEST(in.channels() == 2u);
  BOOST_TEST(in.queued_records() == 0u);
  in.push(0, element::of(batch_of(3)));
  in.push(1, element::of(batch_of(5)));
  in.push(1, element::watermark(1));
  in.push(0, element::barrier(1));
  in.push(0, element::of(batch_of(2)));
  BOOST_TEST(in.queued_records() == 10u);
  auto a = in.next();
  BOOST_TEST_REQUIRE(a.has_value());
  BOOST_TEST(a->channel == 0u);
  BOOST_TEST(in.queued_records() == 7u);
  auto b = in.next();
  BOOST_TEST_REQUIRE(b.has_value());
  BOOST_TEST(b->channel == 1u);
  BOOST_TEST(in.queued_records() == 2u);
  in.push(1, element::barrier(1)); // releases channel 0's last batch
  take_all(in);
  BOOST_TEST(in.queued_records() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
