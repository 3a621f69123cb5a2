//! Property tests for the state machine: any sequence of commands, accepted or refused, leaves a
//! room whose running tallies equal a recount, and replaying the accepted commands (through their
//! JSON form, as the log stores them) rebuilds an identical room.

use super::activity::ActivitySpec;
use super::activity::ideas::{IdeasPhase, IdeasSpec};
use super::activity::poll::{OptionSpec, PollSpec};
use super::activity::wordcloud::WordcloudSpec;
use super::{ActivityId, Command, Navigate, ParticipantId, Room, RoomLimits};
use proptest::prelude::*;

fn pid(n: u8) -> ParticipantId {
    ParticipantId(uuid::Uuid::from_u128(u128::from(n) + 1))
}

fn spec() -> impl Strategy<Value = ActivitySpec> {
    prop_oneof![
        (2usize..5, any::<bool>(), 1u32..4, any::<bool>()).prop_map(
            |(n, multiple, max, allow_change)| {
                ActivitySpec::Poll(PollSpec {
                    question: "Q".into(),
                    options: (0..n).map(|i| OptionSpec::Text(format!("o{i}"))).collect(),
                    multiple,
                    max_choices: Some(max),
                    allow_change,
                })
            }
        ),
        (1u32..3, 1u32..4, 1u32..3).prop_map(|(per, dots, per_item)| {
            ActivitySpec::Ideas(IdeasSpec {
                prompt: "P".into(),
                max_per_participant: per,
                dots,
                max_dots_per_item: per_item.min(dots),
            })
        }),
        (1u32..4).prop_map(|max_words| {
            ActivitySpec::Wordcloud(WordcloudSpec {
                prompt: "W".into(),
                max_words,
            })
        }),
    ]
}

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("repairs".to_string()),
        Just("Repairs ".to_string()),
        Just("damp".to_string()),
        Just("".to_string()),
        "[a-c ]{0,4}",
    ]
}

fn command() -> impl Strategy<Value = Command> {
    let activity = (0u32..4).prop_map(ActivityId);
    let who = (0u8..6).prop_map(pid);
    prop_oneof![
        (spec(), proptest::option::of(0usize..4))
            .prop_map(|(spec, position)| Command::AddActivity { spec, position }),
        (activity.clone(), spec())
            .prop_map(|(activity, spec)| Command::EditActivity { activity, spec }),
        (activity.clone(), 0usize..4)
            .prop_map(|(activity, position)| Command::MoveActivity { activity, position }),
        activity
            .clone()
            .prop_map(|activity| Command::DeleteActivity { activity }),
        prop_oneof![
            Just(Navigate::Next),
            Just(Navigate::Prev),
            Just(Navigate::Lobby),
            (0u32..4).prop_map(|a| Navigate::Activity(ActivityId(a))),
        ]
        .prop_map(|to| Command::Navigate { to }),
        (activity.clone(), any::<bool>())
            .prop_map(|(activity, open)| Command::SetVoting { activity, open }),
        (activity.clone(), any::<bool>())
            .prop_map(|(activity, shown)| Command::SetResults { activity, shown }),
        (activity.clone(), any::<bool>()).prop_map(|(activity, vote)| {
            Command::SetIdeasPhase {
                activity,
                phase: if vote {
                    IdeasPhase::Vote
                } else {
                    IdeasPhase::Collect
                },
            }
        }),
        (activity.clone(), 0u32..6, any::<bool>()).prop_map(|(activity, idea, hidden)| {
            Command::HideIdea {
                activity,
                idea,
                hidden,
            }
        }),
        (activity.clone(), 0u32..6, 0u32..6).prop_map(|(activity, from, into)| {
            Command::MergeIdeas {
                activity,
                from,
                into,
            }
        }),
        (who.clone(), proptest::option::of("[a-z]{0,3}"))
            .prop_map(|(participant, name)| Command::Join { participant, name }),
        (
            who.clone(),
            activity.clone(),
            proptest::collection::vec(0u32..5, 0..4)
        )
            .prop_map(|(participant, activity, options)| Command::Vote {
                participant,
                activity,
                options,
            }),
        (
            who.clone(),
            activity.clone(),
            prop_oneof![Just("Idea".to_string()), "[a-b]{0,3}"]
        )
            .prop_map(|(participant, activity, text)| Command::SubmitIdea {
                participant,
                activity,
                text,
            }),
        (
            who.clone(),
            activity.clone(),
            proptest::collection::vec(0u32..6, 0..4)
        )
            .prop_map(|(participant, activity, ideas)| Command::DotVote {
                participant,
                activity,
                ideas,
            }),
        (who, activity, proptest::collection::vec(word(), 0..4)).prop_map(
            |(participant, activity, words)| Command::SubmitWords {
                participant,
                activity,
                words,
            }
        ),
    ]
}

fn created() -> (Room, Vec<(Command, i64)>) {
    let create = Command::Create {
        title: "Props".into(),
        seed: 7,
        limits: RoomLimits {
            max_participants: 5,
            max_activities: 4,
        },
    };
    let mut room = Room::empty();
    room.apply(&create, 0).expect("create");
    (room, vec![(create, 0)])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn replay_rebuilds_the_same_room_and_tallies_equal_a_recount(
        commands in proptest::collection::vec(command(), 1..120)
    ) {
        let (mut room, mut log) = created();
        for (i, command) in commands.iter().enumerate() {
            let at = 1 + i as i64 * 7;
            let before = room.clone();
            match room.apply(command, at) {
                Ok(_) => log.push((command.clone(), at)),
                // A refused command changes nothing at all.
                Err(_) => prop_assert_eq!(&room, &before),
            }
            for activity in room.deck() {
                prop_assert!(activity.tallies_match_recount(), "tallies drifted after {:?}", command);
                // Nobody is counted twice: never more respondents than participants.
                prop_assert!(activity.responses() <= room.participant_count());
            }
        }
        let mut replayed = Room::empty();
        for (command, at) in &log {
            let json = serde_json::to_string(command).expect("serialise");
            let read: Command = serde_json::from_str(&json).expect("deserialise");
            prop_assert_eq!(&read, command);
            prop_assert!(replayed.apply(&read, *at).is_ok(), "replay refused {:?}", read);
        }
        prop_assert_eq!(replayed, room);
    }
}
