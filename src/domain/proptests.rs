//! Property tests for the state machine: any sequence of commands, accepted or refused, leaves a
//! room whose running tallies equal a recount, and replaying the accepted commands (through their
//! JSON form, as the log stores them) rebuilds an identical room.

use super::activity::ActivitySpec;
use super::activity::ideas::{IdeasPhase, IdeasSpec};
use super::activity::pin;
use super::activity::points::Allocation;
use super::activity::poll::{OptionSpec, PollSpec};
use super::activity::qna::{Moderation, QnaSort, QnaSpec};
use super::activity::quiz::QuizSpec;
use super::activity::ranking::RankingSpec;
use super::activity::scales::{Rating, ScalesSpec, StatementSpec};
use super::activity::timer::{TimerAction, TimerSpec};
use super::activity::wordcloud::WordcloudSpec;
use super::activity::{
    ActivityAnswer, ActivityControl, groups, ideas, points, poll, qna, quiz, ranking, scales,
    timer, wordcloud,
};
use super::room::{Pacing, Reaction};
use super::{
    ActivityId, Answered, Command, Navigate, ParticipantId, Room, RoomCommand, RoomLimits,
};
use proptest::prelude::*;

/// The deck holds at most this many activities; commands name ids below it.
const ACTIVITIES: u32 = 14;
/// A generated activity id that stands for "the activity on screen" (or the first in the deck),
/// filled in by [`resolve`] when the command is applied: most commands then name an activity that
/// exists and takes them, while the others still name any id at all.
const CURRENT: u32 = 999;

fn activity_id() -> impl Strategy<Value = ActivityId> + Clone {
    prop_oneof![3 => Just(CURRENT), 1 => 0..ACTIVITIES].prop_map(ActivityId)
}

/// The command with [`CURRENT`] replaced: by the current activity when it is of the kind the
/// command is for, else by the first activity of that kind (else the current, else the first).
fn resolve(command: &Command, room: &Room) -> Command {
    let Ok(mut json) = serde_json::to_value(command) else {
        return command.clone();
    };
    let kind = match json["type"].as_str().unwrap_or_default() {
        "vote" => "poll",
        "submit_idea" | "dot_vote" | "hide_idea" | "merge_ideas" | "unmerge_idea"
        | "set_ideas_phase" => "ideas",
        "submit_words" => "wordcloud",
        "rate" => "scales",
        "ask" | "upvote" | "moderate" | "set_side_qna" => "qna",
        "rank" => "ranking",
        "allocate" => "points",
        "quiz_answer" | "start_quiz" => "quiz",
        "start_groups" | "join_groups" => "groups",
        "timer" => "timer",
        "estimate" => "number",
        "place" | "unplace" => "grid",
        "pin" | "unpin" | "set_pin_image" | "remove_pin" => "pin",
        _ => "",
    };
    let current = room.current.and_then(|id| room.activity(id).ok());
    let current = current
        .filter(|a| kind.is_empty() || a.kind_name() == kind)
        .or_else(|| room.deck().iter().find(|a| a.kind_name() == kind))
        .or(current)
        .or_else(|| room.deck().first())
        .map_or(0, |a| a.id.0);
    for path in ["/activity", "/to/activity"] {
        if let Some(field) = json.pointer_mut(path)
            && field.as_u64() == Some(u64::from(CURRENT))
        {
            *field = current.into();
        }
    }
    serde_json::from_value(json).unwrap_or_else(|_| command.clone())
}

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
                    correct: Vec::new(),
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

fn more_specs() -> impl Strategy<Value = ActivitySpec> {
    let options = |n: usize| {
        (0..n)
            .map(|i| OptionSpec::Text(format!("o{i}")))
            .collect::<Vec<_>>()
    };
    prop_oneof![
        (1usize..5, any::<bool>()).prop_map(|(n, allow_skip)| ActivitySpec::Scales(ScalesSpec {
            prompt: String::new(),
            statements: (0..n)
                .map(|i| StatementSpec {
                    id: None,
                    text: format!("s{i}"),
                    theme: Some(format!("t{}", i % 2))
                })
                .collect(),
            min: 1,
            max: 5,
            min_label: None,
            max_label: None,
            allow_skip,
            highlight: 2,
        })),
        (any::<bool>(), any::<bool>()).prop_map(|(allow_anonymous, require_approval)| {
            ActivitySpec::Qna(QnaSpec {
                prompt: "Q".into(),
                allow_anonymous,
                require_approval,
                sort: QnaSort::Votes,
            })
        }),
        (2usize..4).prop_map(move |n| ActivitySpec::Ranking(RankingSpec {
            question: "R".into(),
            options: options(n)
        })),
        (2usize..4, 1u32..20).prop_map(move |n| {
            let (n, total) = n;
            ActivitySpec::Points(super::activity::points::PointsSpec {
                question: "P".into(),
                options: options(n),
                total,
            })
        }),
        (2usize..4).prop_map(move |n| ActivitySpec::Quiz(QuizSpec {
            question: "Z".into(),
            options: options(n),
            correct: vec![0],
            time_limit_secs: 5,
            points: 100,
        })),
        Just(ActivitySpec::Timer(TimerSpec {
            title: "T".into(),
            duration_secs: 3
        })),
        Just(ActivitySpec::Groups(super::activity::groups::GroupsSpec {
            title: "G".into(),
            talking_points: vec!["p".into()],
            duration_secs: 5,
        })),
    ]
}

/// Commands of the later activity types and the shared controls.
fn more_commands() -> impl Strategy<Value = Command> {
    let activity = activity_id();
    let who = (0u8..6).prop_map(pid);
    prop_oneof![
        more_specs().prop_map(|spec| Command::Room(RoomCommand::AddActivity {
            spec,
            position: None
        })),
        (
            who.clone(),
            activity.clone(),
            proptest::collection::vec((0u32..5, proptest::option::of(0i32..7)), 0..4)
        )
            .prop_map(|(participant, activity, r)| Command::Answer(Answered {
                participant,
                answer: ActivityAnswer::Scales(scales::AnswerCommand::Rate {
                    activity,
                    ratings: r
                        .into_iter()
                        .map(|(statement, value)| Rating { statement, value })
                        .collect()
                })
            })),
        (
            who.clone(),
            activity.clone(),
            prop_oneof![Just("Why?".to_string()), "[a-b]{0,2}"],
            any::<bool>()
        )
            .prop_map(|(participant, activity, text, anonymous)| Command::Answer(
                Answered {
                    participant,
                    answer: ActivityAnswer::Qna(qna::AnswerCommand::Ask {
                        activity,
                        text,
                        anonymous
                    })
                }
            )),
        (who.clone(), activity.clone(), 0u32..4, any::<bool>()).prop_map(
            |(participant, activity, question, up)| Command::Answer(Answered {
                participant,
                answer: ActivityAnswer::Qna(qna::AnswerCommand::Upvote {
                    activity,
                    question,
                    up
                })
            })
        ),
        (
            activity.clone(),
            0u32..4,
            proptest::sample::select(vec![
                Moderation::Approve,
                Moderation::Hide,
                Moderation::Pin,
                Moderation::Answered,
                Moderation::Unhide,
            ])
        )
            .prop_map(|(activity, question, action)| Command::Control(
                ActivityControl::Qna(qna::HostCommand::Moderate {
                    activity,
                    question,
                    action
                })
            )),
        (
            who.clone(),
            activity.clone(),
            // Mostly a whole order of the three options (which can be right), else anything.
            prop_oneof![
                3 => Just(vec![0u32, 1, 2]).prop_shuffle(),
                1 => proptest::collection::vec(0u32..4, 0..4),
            ]
        )
            .prop_map(|(participant, activity, order)| Command::Answer(Answered {
                participant,
                answer: ActivityAnswer::Ranking(ranking::AnswerCommand::Rank { activity, order })
            })),
        (
            who.clone(),
            activity.clone(),
            proptest::collection::vec((0u32..4, 0u32..15), 0..3)
        )
            .prop_map(|(participant, activity, p)| Command::Answer(Answered {
                participant,
                answer: ActivityAnswer::Points(points::AnswerCommand::Allocate {
                    activity,
                    points: p
                        .into_iter()
                        .map(|(option, points)| Allocation { option, points })
                        .collect()
                })
            })),
        (who.clone(), activity.clone(), -2i64..25).prop_map(|(participant, activity, value)| {
            Command::Answer(Answered {
                participant,
                answer: ActivityAnswer::Number(super::activity::number::AnswerCommand::Estimate {
                    activity,
                    value,
                }),
            })
        }),
        (who.clone(), activity.clone(), 0u32..4, 0u32..105, 0u32..105).prop_map(
            |(participant, activity, item, x, y)| {
                Command::Answer(Answered {
                    participant,
                    answer: ActivityAnswer::Grid(super::activity::grid::AnswerCommand::Place {
                        activity,
                        item,
                        x,
                        y,
                    }),
                })
            }
        ),
        (who.clone(), activity.clone(), 0u32..4).prop_map(|(participant, activity, item)| {
            Command::Answer(Answered {
                participant,
                answer: ActivityAnswer::Grid(super::activity::grid::AnswerCommand::Unplace {
                    activity,
                    item,
                }),
            })
        }),
        (
            who.clone(),
            activity.clone(),
            0u32..10_100,
            0u32..10_100,
            prop_oneof![
                Just(None),
                Just(Some("c".to_string())),
                Just(Some(" ".to_string()))
            ],
            proptest::option::of(0u32..12),
        )
            .prop_map(|(participant, activity, x, y, comment, replace)| {
                Command::Answer(Answered {
                    participant,
                    answer: ActivityAnswer::Pin(pin::AnswerCommand::Pin {
                        activity,
                        x,
                        y,
                        comment,
                        replace,
                    }),
                })
            }),
        (who.clone(), activity.clone(), 0u32..12).prop_map(|(participant, activity, pin)| {
            Command::Answer(Answered {
                participant,
                answer: ActivityAnswer::Pin(pin::AnswerCommand::Unpin { activity, pin }),
            })
        }),
        (activity.clone(), 0u32..12).prop_map(|(activity, pin)| {
            Command::Control(ActivityControl::Pin(pin::HostCommand::RemovePin {
                activity,
                pin,
            }))
        }),
        (
            activity.clone(),
            prop_oneof![
                Just(None),
                Just(Some(pin::tests::TINY_PNG.to_string())),
                Just(Some("R0lGODlhAQABAAAAACw=".to_string())),
            ]
        )
            .prop_map(|(activity, image)| {
                Command::Control(ActivityControl::Pin(pin::HostCommand::SetPinImage {
                    activity,
                    image,
                }))
            }),
        activity
            .clone()
            .prop_map(|activity| Command::Control(ActivityControl::Quiz(
                quiz::HostCommand::StartQuiz { activity }
            ))),
        (
            who.clone(),
            activity.clone(),
            proptest::collection::vec(0u32..4, 0..3)
        )
            .prop_map(
                |(participant, activity, options)| Command::Answer(Answered {
                    participant,
                    answer: ActivityAnswer::Quiz(quiz::AnswerCommand::QuizAnswer {
                        activity,
                        options
                    })
                })
            ),
        (
            activity.clone(),
            proptest::sample::select(vec![
                TimerAction::Start,
                TimerAction::Pause,
                TimerAction::Reset
            ])
        )
            .prop_map(
                |(activity, action)| Command::Control(ActivityControl::Timer(
                    timer::HostCommand::Timer { activity, action }
                ))
            ),
        (
            who,
            proptest::sample::select(vec![Reaction::Clap, Reaction::Heart])
        )
            .prop_map(|(participant, reaction)| Command::React {
                participant,
                reaction
            }),
        (activity.clone(), proptest::option::of(0u32..3)).prop_map(|(activity, seconds)| {
            Command::Room(RoomCommand::SetCountdown { activity, seconds })
        }),
        activity
            .clone()
            .prop_map(|activity| Command::Room(RoomCommand::ResetResults { activity })),
        (
            activity.clone(),
            any::<bool>(),
            proptest::option::of(any::<bool>())
        )
            .prop_map(|(activity, shown, before_answering)| Command::Room(
                RoomCommand::SetPhoneResults {
                    activity,
                    shown,
                    before_answering
                }
            )),
        any::<bool>().prop_map(|a| Command::Room(RoomCommand::SetPacing {
            pacing: if a {
                Pacing::Audience
            } else {
                Pacing::Presenter
            }
        })),
        proptest::option::of(activity.clone())
            .prop_map(|activity| Command::Room(RoomCommand::SetSideQna { activity })),
        (0u32..4, proptest::option::of(0u32..4), any::<bool>()).prop_map(|(page, focus, qr)| {
            Command::Room(RoomCommand::SetScreen { page, focus, qr })
        }),
        (
            activity.clone(),
            proptest::collection::vec((0u8..7).prop_map(pid), 0..7)
        )
            .prop_map(
                |(activity, present)| Command::Control(ActivityControl::Groups(
                    groups::HostCommand::StartGroups { activity, present }
                ))
            ),
        (activity, (0u8..6).prop_map(pid)).prop_map(|(activity, participant)| {
            Command::JoinGroups {
                activity,
                participant,
            }
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
    let activity = activity_id();
    let who = (0u8..6).prop_map(pid);
    prop_oneof![
        (spec(), proptest::option::of(0usize..4)).prop_map(|(spec, position)| Command::Room(
            RoomCommand::AddActivity { spec, position }
        )),
        (activity.clone(), spec()).prop_map(|(activity, spec)| Command::Room(
            RoomCommand::EditActivity { activity, spec }
        )),
        (activity.clone(), 0usize..4).prop_map(|(activity, position)| Command::Room(
            RoomCommand::MoveActivity { activity, position }
        )),
        // Deletes name raw ids, not the current activity: otherwise the deck churns so fast that
        // few answers find an activity of their kind.
        (0..ACTIVITIES).prop_map(|id| Command::Room(RoomCommand::DeleteActivity {
            activity: ActivityId(id)
        })),
        prop_oneof![
            Just(Navigate::Next),
            Just(Navigate::Prev),
            Just(Navigate::Lobby),
            activity_id().prop_map(Navigate::Activity),
        ]
        .prop_map(|to| Command::Room(RoomCommand::Navigate { to })),
        (activity.clone(), any::<bool>())
            .prop_map(|(activity, open)| Command::Room(RoomCommand::SetVoting { activity, open })),
        (activity.clone(), any::<bool>()).prop_map(|(activity, shown)| Command::Room(
            RoomCommand::SetResults { activity, shown }
        )),
        (activity.clone(), any::<bool>()).prop_map(|(activity, vote)| {
            Command::Control(ActivityControl::Ideas(ideas::HostCommand::SetIdeasPhase {
                activity,
                phase: if vote {
                    IdeasPhase::Vote
                } else {
                    IdeasPhase::Collect
                },
            }))
        }),
        (activity.clone(), 0u32..6, any::<bool>()).prop_map(|(activity, idea, hidden)| {
            Command::Control(ActivityControl::Ideas(ideas::HostCommand::HideIdea {
                activity,
                idea,
                hidden,
            }))
        }),
        (activity.clone(), 0u32..4, 0u32..4).prop_map(|(activity, from, into)| {
            Command::Control(ActivityControl::Ideas(ideas::HostCommand::MergeIdeas {
                activity,
                from,
                into,
            }))
        }),
        (activity.clone(), 0u32..4).prop_map(|(activity, idea)| {
            Command::Control(ActivityControl::Ideas(ideas::HostCommand::UnmergeIdea {
                activity,
                idea,
            }))
        }),
        (who.clone(), proptest::option::of("[a-z]{0,3}"))
            .prop_map(|(participant, name)| Command::Join { participant, name }),
        (
            who.clone(),
            activity.clone(),
            // Mostly one valid option (a vote the poll takes), sometimes anything.
            prop_oneof![
                3 => proptest::collection::vec(0u32..3, 1..=1),
                1 => proptest::collection::vec(0u32..5, 0..4),
            ]
        )
            .prop_map(
                |(participant, activity, options)| Command::Answer(Answered {
                    participant,
                    answer: ActivityAnswer::Poll(poll::AnswerCommand::Vote { activity, options })
                })
            ),
        (
            who.clone(),
            activity.clone(),
            prop_oneof![Just("Idea".to_string()), "[a-b]{0,3}", "[a-z]{1,8}"]
        )
            .prop_map(|(participant, activity, text)| Command::Answer(Answered {
                participant,
                answer: ActivityAnswer::Ideas(ideas::AnswerCommand::SubmitIdea { activity, text })
            })),
        (
            who.clone(),
            activity.clone(),
            proptest::collection::vec(0u32..6, 0..4)
        )
            .prop_map(|(participant, activity, ideas)| Command::Answer(Answered {
                participant,
                answer: ActivityAnswer::Ideas(ideas::AnswerCommand::DotVote { activity, ideas })
            })),
        (who, activity, proptest::collection::vec(word(), 0..4)).prop_map(
            |(participant, activity, words)| Command::Answer(Answered {
                participant,
                answer: ActivityAnswer::Wordcloud(wordcloud::AnswerCommand::SubmitWords {
                    activity,
                    words
                })
            })
        ),
    ]
}

fn created() -> (Room, Vec<(Command, i64)>) {
    let create = Command::Create {
        title: "Props".into(),
        seed: 7,
        limits: RoomLimits {
            max_participants: 5,
            max_activities: ACTIVITIES,
        },
    };
    let mut room = Room::empty();
    room.apply(&create, 0).expect("create");
    let mut log = vec![(create, 0)];
    // Four people are there from the start (two more may join later, one of them past the
    // room's limit), and one activity of every kind that takes answers, the poll on screen:
    // answers are then not mostly refused for want of a participant or an activity. Two slots
    // of the deck are left for activities the sequence adds.
    let mut setup: Vec<Command> = (0..4)
        .map(|n| Command::Join {
            participant: pid(n),
            name: (n % 2 == 0).then(|| format!("p{n}")),
        })
        .collect();
    setup.extend(
        [
            ActivitySpec::Poll(PollSpec {
                question: "Q".into(),
                options: (0..3).map(|i| OptionSpec::Text(format!("o{i}"))).collect(),
                multiple: false,
                max_choices: None,
                allow_change: true,
                correct: Vec::new(),
            }),
            ActivitySpec::Ideas(IdeasSpec {
                prompt: "P".into(),
                max_per_participant: 2,
                dots: 3,
                max_dots_per_item: 2,
            }),
            ActivitySpec::Wordcloud(WordcloudSpec {
                prompt: "W".into(),
                max_words: 3,
            }),
            ActivitySpec::Scales(ScalesSpec {
                prompt: String::new(),
                statements: (0..3)
                    .map(|i| StatementSpec {
                        id: None,
                        text: format!("s{i}"),
                        theme: Some(format!("t{}", i % 2)),
                    })
                    .collect(),
                min: 1,
                max: 5,
                min_label: None,
                max_label: None,
                allow_skip: true,
                highlight: 2,
            }),
            ActivitySpec::Qna(QnaSpec {
                prompt: "Q".into(),
                allow_anonymous: true,
                require_approval: false,
                sort: QnaSort::Votes,
            }),
            ActivitySpec::Ranking(RankingSpec {
                question: "R".into(),
                options: (0..3).map(|i| OptionSpec::Text(format!("o{i}"))).collect(),
            }),
            ActivitySpec::Points(super::activity::points::PointsSpec {
                question: "P".into(),
                options: (0..3).map(|i| OptionSpec::Text(format!("o{i}"))).collect(),
                total: 20,
            }),
            ActivitySpec::Quiz(QuizSpec {
                question: "Z".into(),
                options: (0..3).map(|i| OptionSpec::Text(format!("o{i}"))).collect(),
                correct: vec![0],
                time_limit_secs: 5,
                points: 100,
            }),
            ActivitySpec::Timer(TimerSpec {
                title: "T".into(),
                duration_secs: 3,
            }),
            ActivitySpec::Groups(super::activity::groups::GroupsSpec {
                title: "G".into(),
                talking_points: vec!["p".into()],
                duration_secs: 5,
            }),
            ActivitySpec::Number(super::activity::number::NumberSpec {
                question: "N".into(),
                min: 0,
                max: 20,
                unit: None,
                correct: Some(7),
            }),
            ActivitySpec::Grid(super::activity::grid::GridSpec {
                question: "G".into(),
                items: (0..3).map(|i| OptionSpec::Text(format!("i{i}"))).collect(),
                x: super::activity::grid::Axis {
                    label: "Effort".into(),
                    low: None,
                    high: None,
                },
                y: super::activity::grid::Axis {
                    label: "Impact".into(),
                    low: None,
                    high: None,
                },
                quadrants: Vec::new(),
            }),
            ActivitySpec::Pin(pin::PinSpec {
                question: "Where?".into(),
                max_pins: 2,
                comments: true,
                alt: None,
            }),
        ]
        .into_iter()
        .map(|spec| {
            Command::Room(RoomCommand::AddActivity {
                spec,
                position: None,
            })
        }),
    );
    // Two suggestions to merge, hide and vote on.
    setup.push(Command::Room(RoomCommand::Navigate {
        to: Navigate::Activity(ActivityId(1)),
    }));
    for n in 0..2 {
        setup.push(Command::Answer(Answered {
            participant: pid(n),
            answer: ActivityAnswer::Ideas(ideas::AnswerCommand::SubmitIdea {
                activity: ActivityId(1),
                text: format!("idea {n}"),
            }),
        }));
    }
    // The pin activity's picture, so pins can land.
    setup.push(Command::Control(ActivityControl::Pin(
        pin::HostCommand::SetPinImage {
            activity: ActivityId(12),
            image: Some(pin::tests::TINY_PNG.to_string()),
        },
    )));
    // Two pins and two grid placements to move, take back and remove.
    for activity in [11, 12] {
        setup.push(Command::Room(RoomCommand::Navigate {
            to: Navigate::Activity(ActivityId(activity)),
        }));
        for n in 0..2 {
            let answer = if activity == 11 {
                ActivityAnswer::Grid(super::activity::grid::AnswerCommand::Place {
                    activity: ActivityId(11),
                    item: u32::from(n),
                    x: 10,
                    y: 90,
                })
            } else {
                ActivityAnswer::Pin(pin::AnswerCommand::Pin {
                    activity: ActivityId(12),
                    x: 100,
                    y: 200,
                    comment: None,
                    replace: None,
                })
            };
            setup.push(Command::Answer(Answered {
                participant: pid(n),
                answer,
            }));
        }
    }
    setup.push(Command::Room(RoomCommand::Navigate {
        to: Navigate::Activity(ActivityId(0)),
    }));
    for command in setup {
        room.apply(&command, 0).expect("set-up");
        log.push((command, 0));
    }
    (room, log)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn replay_rebuilds_the_same_room_and_tallies_equal_a_recount(
        commands in proptest::collection::vec(prop_oneof![command(), more_commands()], 1..120)
    ) {
        let (mut room, mut log) = created();
        for (i, command) in commands.iter().enumerate() {
            // Steps of a quarter second: long enough for countdowns and quiz clocks to run out.
            let at = 1 + i as i64 * 250;
            let before = room.clone();
            let command = &resolve(command, &room);
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
        // A snapshot (the hub's: CBOR of the room) reads back as the same room.
        let mut bytes = Vec::new();
        ciborium::into_writer(&room, &mut bytes).expect("encode");
        let restored: Room = ciborium::from_reader(bytes.as_slice()).expect("decode");
        prop_assert_eq!(&restored, &room);
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    /// What a cluster node's proposal replica relies on: two order-free commands of different
    /// participants (`Command::order_free`) leave the same room, and get the same answers,
    /// whichever comes first, from any state a session can reach. (Joins only while there are
    /// places for both, as the hub checks.)
    #[test]
    fn order_free_commands_of_different_people_commute(
        prefix in proptest::collection::vec(prop_oneof![command(), more_commands()], 0..60),
        candidates in proptest::collection::vec(prop_oneof![command(), more_commands()], 2..80),
        on_screen in 0..ACTIVITIES,
        a_at in 0u8..8,
        b_at in 0u8..8,
    ) {
        let (mut room, _) = created();
        let mut at = 1;
        for command in &prefix {
            at += 250;
            let command = resolve(command, &room);
            let _ = room.apply(&command, at);
        }
        // Any activity on screen, open (as it is while a room answers it), if it still exists.
        for command in [
            Command::Room(RoomCommand::Navigate { to: Navigate::Activity(ActivityId(on_screen)) }),
            Command::Room(RoomCommand::SetVoting { activity: ActivityId(on_screen), open: true }),
        ] {
            at += 250;
            let _ = room.apply(&command, at);
        }
        // The first two generated commands that are order-free and that the room would take
        // (on their own), of different participants: a pair that could meet in a cluster.
        let free: Vec<(Command, ParticipantId)> = candidates
            .iter()
            .map(|c| resolve(c, &room))
            .filter(|c| room.clone().apply(c, at + 250).is_ok())
            .filter_map(|c| c.order_free().map(|p| (c, p)))
            .collect();
        // Two answers of one kind where there are (those meet most: a vote burst), else any two.
        let tag = |c: &Command| serde_json::to_value(c).ok().map(|v| v["type"].clone());
        let pick = |same: bool| {
            free.iter().find_map(|(a, pa)| {
                free.iter()
                    .find(|(b, pb)| {
                        pb != pa
                            && (!same || (matches!(a, Command::Answer(_)) && tag(a) == tag(b)))
                    })
                    .map(|(b, _)| (a, b))
            })
        };
        let Some((a, b)) = pick(true).or_else(|| pick(false)) else {
            return Ok(());
        };
        let joins = [a, b].iter().filter(|c| matches!(c, Command::Join { .. })).count() as u64;
        prop_assume!(joins == 0 || room.places_left() >= joins);
        // Each command is applied at its own time in both orders, as a replica and the log do.
        let (ta, tb) = (at + i64::from(a_at) * 250, at + i64::from(b_at) * 250);
        let mut ab = room.clone();
        let ab_a = ab.apply(a, ta);
        let ab_b = ab.apply(b, tb);
        let mut ba = room.clone();
        let ba_b = ba.apply(b, tb);
        let ba_a = ba.apply(a, ta);
        prop_assert_eq!(ab_a.is_ok(), ba_a.is_ok(), "{:?} then {:?}", a, b);
        prop_assert_eq!(ab_b.is_ok(), ba_b.is_ok(), "{:?} then {:?}", a, b);
        prop_assert_eq!(ab, ba, "{:?} and {:?} do not commute", a, b);
    }
}

/// The property above means little if the generator mostly produces commands the room refuses:
/// run it as the property test does and check that a fair share is accepted, and that every kind
/// of command it generates is accepted at least once.
#[test]
fn the_generator_produces_commands_the_room_accepts() {
    use proptest::strategy::ValueTree;
    use std::collections::BTreeMap;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = proptest::collection::vec(prop_oneof![command(), more_commands()], 1..120);
    // Per command type ("type" in its JSON): (generated, accepted).
    let mut counts: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    for _ in 0..1024 {
        let commands = strategy
            .new_tree(&mut runner)
            .expect("a sequence")
            .current();
        let (mut room, _) = created();
        for (i, command) in commands.iter().enumerate() {
            let tag = serde_json::to_value(command)
                .ok()
                .and_then(|v| v["type"].as_str().map(str::to_string))
                .unwrap_or_default();
            let entry = counts.entry(tag).or_default();
            entry.0 += 1;
            let command = resolve(command, &room);
            if room.apply(&command, 1 + i as i64 * 250).is_ok() {
                entry.1 += 1;
            }
        }
    }
    let (generated, accepted) = counts
        .values()
        .fold((0, 0), |(g, a), (cg, ca)| (g + cg, a + ca));
    assert!(
        accepted * 4 >= generated,
        "only {accepted} of {generated} generated commands were accepted: {counts:?}"
    );
    println!("{accepted} of {generated} generated commands accepted: {counts:?}");
    let never: Vec<&String> = counts
        .iter()
        .filter(|(_, (_, accepted))| *accepted == 0)
        .map(|(tag, _)| tag)
        .collect();
    assert!(never.is_empty(), "never accepted: {never:?} ({counts:?})");
}

/// One random edit of a message's JSON: a field taken out, or its value replaced by a scalar of
/// another type; the `type` itself is left alone, so the message still goes where its type says.
fn edited(mut value: serde_json::Value, pick: usize, replacement: u8) -> serde_json::Value {
    let Some(object) = value.as_object_mut() else {
        return value;
    };
    let keys: Vec<String> = object.keys().filter(|k| *k != "type").cloned().collect();
    if keys.is_empty() {
        return value;
    }
    let key = &keys[pick % keys.len()];
    match replacement % 5 {
        0 => {
            object.remove(key);
        }
        1 => {
            object.insert(key.clone(), serde_json::json!("x"));
        }
        2 => {
            object.insert(key.clone(), serde_json::json!(-1));
        }
        3 => {
            object.insert(key.clone(), serde_json::json!(null));
        }
        _ => {
            object.insert(key.clone(), serde_json::json!([1, 2]));
        }
    }
    value
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Reading a message straight as the group that owns its `type` (the log's
    /// `Command::read_routed`, the wire's `protocol::decode_routed`) gives exactly what the
    /// general, try-every-group reading gives, for every command the generator makes, intact or
    /// with a field taken out or mistyped; and it is the path today's answers, controls and room
    /// commands take.
    #[test]
    fn reading_by_type_gives_what_reading_every_group_gives(
        commands in proptest::collection::vec(prop_oneof![command(), more_commands()], 1..40),
        picks in proptest::collection::vec((0usize..16, 0u8..10, proptest::option::of(0u64..1000)), 40),
    ) {
        let (room, _) = created();
        for (command, (pick, replacement, rid)) in commands.iter().zip(&picks) {
            let command = resolve(command, &room);
            let text = serde_json::to_string(&command).expect("serialise");
            let routed = Command::read_routed(&text);
            let general: Command = serde_json::from_str(&text).expect("deserialise");
            let grouped = matches!(command, Command::Room(_) | Command::Control(_) | Command::Answer(_));
            prop_assert_eq!(routed.is_some(), grouped, "{}", text);
            if let Some(routed) = routed {
                prop_assert_eq!(&routed, &general);
            }
            let value = serde_json::to_value(&command).expect("value");
            let bad = edited(value, *pick, *replacement).to_string();
            if let Some(routed) = Command::read_routed(&bad) {
                let general: Result<Command, _> = serde_json::from_str(&bad);
                prop_assert_eq!(Some(&routed), general.as_ref().ok(), "{}", bad);
            }
            // The same message as a client sends it.
            let msg = match command {
                Command::Room(c) => crate::protocol::ClientMsg::Room(c),
                Command::Control(c) => crate::protocol::ClientMsg::Control(c),
                Command::Answer(a) => crate::protocol::ClientMsg::Answer(a.answer),
                _ => continue,
            };
            let frame = crate::protocol::ClientFrame { rid: *rid, msg };
            let intact = serde_json::to_string(&frame).expect("serialise");
            prop_assert_eq!(crate::protocol::decode_routed(&intact), Some(frame.clone()), "{}", intact);
            let value = serde_json::to_value(&frame).expect("value");
            let bad = edited(value, *pick, *replacement).to_string();
            if let Some(routed) = crate::protocol::decode_routed(&bad) {
                let general: Result<crate::protocol::ClientFrame, _> = serde_json::from_str(&bad);
                prop_assert_eq!(Some(&routed), general.as_ref().ok(), "{}", bad);
            }
        }
    }
}

/// The routed readings leave the room's own commands (which the general reading tries first) to
/// the general reading: no group has a message of their types.
#[test]
fn no_group_has_the_types_of_the_rooms_own_commands() {
    let own = [
        Command::Create {
            title: "t".into(),
            seed: 1,
            limits: RoomLimits::default(),
        },
        Command::Join {
            participant: pid(1),
            name: None,
        },
        Command::SetName {
            participant: pid(1),
            name: Some("Ann".into()),
        },
        Command::React {
            participant: pid(1),
            reaction: Reaction::Heart,
        },
        Command::JoinGroups {
            activity: ActivityId(0),
            participant: pid(1),
        },
    ];
    for command in own {
        let text = serde_json::to_string(&command).expect("serialise");
        assert_eq!(Command::read_routed(&text), None, "{text}");
        assert_eq!(Command::from_log(&text).ok(), Some(command));
    }
}
