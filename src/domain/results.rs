//! What each screen may see, computed from a room. Rendered once per tick per view by the hub, never
//! per participant: a view must not depend on who is looking, only on the audience.

use super::activity::leaderboard::{LeaderboardEntry, TOP};
use super::activity::{Activity, ActivityBody, ActivitySpec, ActivityView, Audience};
use super::room::{EmbedSettings, Pacing, ReactionCounts};
use super::{ActivityId, Millis, Room};
use serde::{Deserialize, Serialize};

/// Where the current activity sits in the deck.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// 0-based index of the current activity.
    pub index: usize,
    pub count: usize,
}

/// The presenter's and the participants' view: the current activity only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublicView {
    pub title: String,
    /// The facilitator's choice of language for participants' pages; absent: the phone decides.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub language: String,
    /// Participants who have ever joined.
    pub participants: u64,
    /// Participants connected right now.
    pub online: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
    /// The current activity (for embeds: the pinned one); absent in the lobby.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity: Option<ActivityView>,
    /// Embeds only (absent on every other view): whether visitors may vote from the embed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embed_voting: Option<bool>,
    #[serde(default, skip_serializing_if = "is_presenter_paced")]
    pub pacing: Pacing,
    /// Participants, when the audience sets its own pace: every activity, in deck order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deck: Option<Vec<ActivityView>>,
    /// The Q&A that stays open beside the current activity (when it is not the current one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side: Option<ActivityView>,
    /// Presenter: reactions sent during the current activity (or the lobby).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reactions: Option<ReactionCounts>,
    /// Presenter: the page, statement or QR code the console put on screen (absent: the first
    /// page, nothing zoomed, no QR).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screen: Option<super::room::ScreenState>,
}

fn is_presenter_paced(pacing: &Pacing) -> bool {
    *pacing == Pacing::Presenter
}

/// The facilitator's view: the whole deck with specs and full results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostView {
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub language: String,
    pub participants: u64,
    pub online: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<ActivityId>,
    pub created_at: Millis,
    pub last_activity_at: Millis,
    pub embed: EmbedSettings,
    #[serde(default, skip_serializing_if = "is_presenter_paced")]
    pub pacing: Pacing,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side_qna: Option<ActivityId>,
    /// What the console put on the projected screen (`set_screen`).
    #[serde(default, skip_serializing_if = "super::room::ScreenState::is_default")]
    pub screen: super::room::ScreenState,
    /// Reactions sent during the current activity (or the lobby).
    pub reactions: ReactionCounts,
    /// The report's notes and whether it is published.
    pub report: super::room::Report,
    pub deck: Vec<HostActivity>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostActivity {
    /// What the edit form starts from.
    pub spec: ActivitySpec,
    #[serde(flatten)]
    pub view: ActivityView,
}

/// One activity's view, with what only the room knows filled in (leaderboard standings).
fn activity_view(room: &Room, activity: &Activity, audience: Audience) -> ActivityView {
    let mut view = activity.view_with(audience, &|who| room.display_name(who));
    if let ActivityBody::Leaderboard(board) = &mut view.body {
        let standings = room.standings();
        board.players = standings.len() as u64;
        board.top = standings
            .into_iter()
            .take(TOP)
            .map(|(who, score, rank)| LeaderboardEntry {
                rank,
                name: room.participant(&who).and_then(|p| p.name.clone()),
                score,
            })
            .collect();
    }
    view
}

pub fn public_view(room: &Room, audience: Audience, online: u64) -> PublicView {
    let shown = match (audience, room.embed.activity) {
        (Audience::Embed, Some(pinned)) => Some(pinned),
        _ => room.current,
    };
    let index = shown.and_then(|id| room.deck.iter().position(|a| a.id == id));
    let side = room
        .side_qna
        .filter(|id| Some(*id) != shown)
        .and_then(|id| room.deck.iter().find(|a| a.id == id))
        .map(|a| activity_view(room, a, audience));
    let deck = (audience == Audience::Participant && room.pacing == Pacing::Audience).then(|| {
        room.deck
            .iter()
            .map(|a| activity_view(room, a, audience))
            .collect()
    });
    PublicView {
        title: room.title.clone(),
        language: room.language.clone(),
        participants: room.participant_count(),
        online,
        position: index.map(|index| Position {
            index,
            count: room.deck.len(),
        }),
        activity: index.map(|i| activity_view(room, &room.deck[i], audience)),
        embed_voting: (audience == Audience::Embed).then_some(room.embed.voting),
        pacing: room.pacing,
        deck,
        side,
        reactions: (audience == Audience::Presenter).then(|| room.reactions(room.current)),
        screen: (audience == Audience::Presenter && !room.screen.is_default())
            .then_some(room.screen),
    }
}

pub fn host_view(room: &Room, online: u64) -> HostView {
    HostView {
        title: room.title.clone(),
        language: room.language.clone(),
        participants: room.participant_count(),
        online,
        current: room.current,
        created_at: room.created_at,
        last_activity_at: room.last_command_at,
        embed: room.embed,
        pacing: room.pacing,
        side_qna: room.side_qna,
        screen: room.screen,
        reactions: room.reactions(room.current),
        report: room.report.clone(),
        deck: room
            .deck
            .iter()
            .map(|activity| HostActivity {
                spec: activity.spec(),
                view: activity_view(room, activity, Audience::Host),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Command, ParticipantId};
    use serde_json::{Value, json};

    fn room(commands: &[Value]) -> Room {
        let mut room = Room::empty();
        let mut all = vec![
            json!({"type": "create", "title": "Meetup", "seed": 1, "limits": {"max_participants": 10, "max_activities": 10}}),
            json!({"type": "add_activity", "spec": {"kind": "poll", "question": "Which?", "options": ["A", "B"]}}),
            json!({"type": "add_activity", "spec": {"kind": "qna", "prompt": "Questions?"}}),
            json!({"type": "join", "participant": ParticipantId(uuid::Uuid::from_u128(1)), "name": "Ann"}),
        ];
        all.extend_from_slice(commands);
        for (i, command) in all.into_iter().enumerate() {
            let parsed: Command = serde_json::from_value(command.clone()).expect("a command");
            room.apply(&parsed, i as i64)
                .unwrap_or_else(|r| panic!("{command} refused: {r}"));
        }
        room
    }

    #[test]
    fn the_lobby_shows_no_activity_and_counts_people() {
        let room = room(&[]);
        let view = public_view(&room, Audience::Presenter, 0);
        assert!(view.activity.is_none() && view.position.is_none());
        assert_eq!((view.participants, view.online), (1, 0));
        assert_eq!(
            host_view(&room, 0).deck.len(),
            2,
            "the host sees the whole deck"
        );
    }

    #[test]
    fn hidden_results_reach_the_host_only_and_phones_can_be_kept_from_them() {
        let voter = ParticipantId(uuid::Uuid::from_u128(1));
        let room = room(&[
            json!({"type": "navigate", "to": {"activity": 0}}),
            json!({"type": "vote", "participant": voter, "activity": 0, "options": [1]}),
            json!({"type": "set_phone_results", "activity": 0, "shown": false}),
        ]);
        let results = |audience| {
            serde_json::to_value(public_view(&room, audience, 1).activity)
                .map(|a| a["results"].clone())
                .unwrap_or_default()
        };
        assert_eq!(results(Audience::Presenter)["counts"], json!([0, 1]));
        assert!(
            results(Audience::Participant).is_null(),
            "phones are kept from results"
        );
        let hidden = {
            let mut room = room.clone();
            let hide: Command = serde_json::from_value(
                json!({"type": "set_results", "activity": 0, "shown": false}),
            )
            .expect("command");
            room.apply(&hide, 99).expect("hide");
            room
        };
        let presenter =
            serde_json::to_value(public_view(&hidden, Audience::Presenter, 1)).expect("json");
        assert!(presenter["activity"].get("results").is_none());
        let host = serde_json::to_value(host_view(&hidden, 1)).expect("json");
        assert_eq!(host["deck"][0]["results"]["counts"], json!([0, 1]));
    }

    #[test]
    fn the_side_lane_and_the_embed_pin_show_their_own_activity() {
        let room = room(&[
            json!({"type": "navigate", "to": {"activity": 0}}),
            json!({"type": "set_side_qna", "activity": 1}),
            json!({"type": "set_embed", "activity": 1, "voting": false}),
        ]);
        let phone = public_view(&room, Audience::Participant, 1);
        assert_eq!(phone.activity.map(|a| a.id.0), Some(0));
        assert_eq!(phone.side.map(|a| a.id.0), Some(1));
        assert_eq!(
            phone.embed_voting, None,
            "only embeds are told about embed voting"
        );
        let embed = public_view(&room, Audience::Embed, 1);
        assert_eq!(
            embed.activity.map(|a| a.id.0),
            Some(1),
            "the pinned activity"
        );
        assert!(
            embed.side.is_none(),
            "the pinned Q&A is not repeated beside itself"
        );
        assert_eq!(embed.embed_voting, Some(false));
        assert!(
            public_view(&room, Audience::Presenter, 1)
                .reactions
                .is_some()
        );
        assert!(
            public_view(&room, Audience::Participant, 1)
                .reactions
                .is_none()
        );
    }
}
