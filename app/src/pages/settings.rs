//! Settings pages: pipelines and stages, members and roles. An admin's
//! only: a member is told so (the database would refuse them anyway).

use crate::components::{closest_data, PostForm, Posted};
use crate::resource::resource;
use leptos::prelude::*;
use leptos_meta::Title;
use uuid::Uuid;

use crate::{
    components::ErrorNote,
    components::TextField,
    model::{AppError, MemberRole, Role, Stage},
    server_fns::invitations::{open_invitations, InviteMember, RevokeInvitation},
    server_fns::settings::{
        load_members, load_pipeline_settings, load_profile, move_stage, AddStage, ArchiveStage,
        ChangePassword, CreatePipeline, MoveStage, RemoveMember, RenamePipeline, SaveMyName,
        SaveStage, SetMemberRole,
    },
};

#[component]
pub fn SettingsNav() -> impl IntoView {
    view! {
        <nav aria-label="Settings" class="settings-nav">
            <a href="/settings/pipelines">"Pipelines"</a>
            <a href="/settings/members">"Members"</a>
            <a href="/settings/profile">"Your profile"</a>
            <a href="/settings/sources">"Sources"</a>
            <a href="/settings/integrations">"Integrations"</a>
            <a href="/settings/onboarding">"Onboarding"</a>
            <a href="/import">"Import"</a>
        </nav>
    }
}

/// The latest refusal of any of these actions, for a page's status line.
fn latest_error<T: Clone + Send + Sync + 'static>(
    values: Vec<Signal<Option<Result<T, AppError>>>>,
) -> impl Fn() -> Option<String> {
    move || {
        values
            .iter()
            .filter_map(|v| v.get().and_then(|r| r.err()))
            .next()
            .map(|e| e.to_string())
    }
}

#[component]
pub fn PipelineSettingsPage() -> impl IntoView {
    let create = Posted::<CreatePipeline>::new();
    let rename = Posted::<RenamePipeline>::new();
    let add = Posted::<AddStage>::new();
    let save = Posted::<SaveStage>::new();
    let moved = Posted::<MoveStage>::new();
    let archive = Posted::<ArchiveStage>::new();
    let data = resource(|| (), |_| load_pipeline_settings());
    let error = latest_error(vec![
        create.value().into(),
        rename.value().into(),
        add.value().into(),
        save.value().into(),
        moved.value().into(),
        archive.value().into(),
    ]);
    let actions = StageActions {
        save,
        moved,
        archive,
    };
    view! {
        <Title text="Pipelines" />
        <h1>"Pipelines"</h1>
        <SettingsNav />
        <p class="error" role="alert" id="settings-error">{error}</p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    Ok(settings) => settings.pipelines.into_iter().map(|(id, name)| {
                        let stages: Vec<Stage> = settings
                            .stages
                            .iter()
                            .filter(|s| s.pipeline_id == id)
                            .cloned()
                            .collect();
                        let count = stages.len();
                        let label = name.clone();
                        view! {
                            <section class="card pipeline-settings" aria-label=label>
                                <PostForm action=rename attr:class="filters">
                                    <input type="hidden" name="id" value=id.to_string() />
                                    <label for=format!("pipeline-{id}")>"Pipeline name"</label>
                                    <input id=format!("pipeline-{id}") name="name" value=name.clone() required />
                                    <button type="submit" class="secondary">"Rename"</button>
                                </PostForm>
                                <StageDrag>
                                    <ol class="stage-settings">
                                        {stages.into_iter().enumerate().map(|(i, s)| view! {
                                            <StageRow stage=s index=i count actions />
                                        }).collect_view()}
                                    </ol>
                                </StageDrag>
                                <PostForm action=add attr:class="filters add-stage">
                                    <input type="hidden" name="pipeline" value=id.to_string() />
                                    <label for=format!("new-stage-{id}")>"New stage"</label>
                                    <input id=format!("new-stage-{id}") name="name" required />
                                    <label for=format!("new-probability-{id}")>"Probability %"</label>
                                    <input id=format!("new-probability-{id}") name="probability" type="number" min="0" max="100" value="10" />
                                    <OutcomeSelect id=format!("new-outcome-{id}") current="open" />
                                    <button type="submit" class="secondary">"Add stage"</button>
                                </PostForm>
                            </section>
                        }
                    }).collect_view().into_any(),
                }
            })}
        </Transition>
        <PostForm action=create attr:class="filters">
            <label for="new-pipeline">"New pipeline"</label>
            <input id="new-pipeline" name="name" required />
            <button type="submit">"Create pipeline"</button>
        </PostForm>
    }
}

#[derive(Clone, Copy)]
struct StageActions {
    save: Posted<SaveStage>,
    moved: Posted<MoveStage>,
    archive: Posted<ArchiveStage>,
}

/// A pipeline's stages (rendered on the server), reordered by dragging a
/// stage onto another of the same pipeline: it takes that place, and the
/// page is loaded again.
#[island]
fn StageDrag(children: Children) -> impl IntoView {
    use leptos::ev::DragEvent;
    // The stage's `data-` attribute `name`, for the stage under the event.
    let stage_data = |ev: &DragEvent, name: &str| closest_data(ev, "li[data-stage]", name);
    // The stage being dragged, and its pipeline.
    let dragged = RwSignal::new(None::<(String, Option<String>)>);
    let start = move |ev: DragEvent| {
        if let Some(id) = stage_data(&ev, "data-stage") {
            dragged.set(Some((id, stage_data(&ev, "data-pipeline"))));
        }
    };
    let drop = move |ev: DragEvent| {
        ev.prevent_default();
        let Some((moving, from)) = dragged.get_untracked() else {
            return;
        };
        dragged.set(None);
        let onto = stage_data(&ev, "data-stage");
        let place = stage_data(&ev, "data-index").and_then(|i| i.parse::<i32>().ok());
        if onto.as_ref() == Some(&moving) || stage_data(&ev, "data-pipeline") != from {
            return;
        }
        if let (Ok(id), Some(position)) = (moving.parse::<Uuid>(), place) {
            leptos::task::spawn_local(async move {
                let _ = move_stage(id, position).await;
                let _ = window().location().reload();
            });
        }
    };
    view! {
        <div class="drag-area" on:dragstart=start
            on:dragover=|ev: DragEvent| ev.prevent_default() on:drop=drop>
            {children()}
        </div>
    }
}

#[component]
fn OutcomeSelect(id: String, current: &'static str) -> impl IntoView {
    view! {
        <label for=id.clone()>"Outcome"</label>
        <select id=id name="outcome">
            {[("open", "Open"), ("won", "Won"), ("lost", "Lost")].into_iter().map(|(v, label)| view! {
                <option value=v selected=current == v>{label}</option>
            }).collect_view()}
        </select>
    }
}

/// One stage: its settings in one form, moves up and down (buttons, so the
/// keyboard and no-script browsers reorder too; with script, drag it onto
/// another stage of its pipeline to take that place), and archive.
#[component]
fn StageRow(stage: Stage, index: usize, count: usize, actions: StageActions) -> impl IntoView {
    let id = stage.stage_id;
    let outcome = match (stage.is_won, stage.is_lost) {
        (true, _) => "won",
        (_, true) => "lost",
        _ => "open",
    };
    let mover = move |to: usize, label: String, text: &'static str| {
        view! {
            <PostForm action=actions.moved attr:class="inline">
                <input type="hidden" name="id" value=id.to_string() />
                <input type="hidden" name="position" value=to.to_string() />
                <button type="submit" class="secondary" aria-label=label>{text}</button>
            </PostForm>
        }
    };
    let name = stage.stage_name.clone();
    let pipeline = stage.pipeline_id;
    view! {
        <li class="stage-setting" data-stage=id.to_string() data-pipeline=pipeline.to_string()
            data-index=index draggable="true">
            <PostForm action=actions.save attr:class="filters">
                <input type="hidden" name="id" value=id.to_string() />
                <label for=format!("stage-name-{id}")>"Stage"</label>
                <input id=format!("stage-name-{id}") name="name" value=stage.stage_name.clone() required />
                <label for=format!("probability-{id}")>"Probability %"</label>
                <input id=format!("probability-{id}") name="probability" type="number" min="0" max="100"
                    value=stage.probability.to_string() />
                <OutcomeSelect id=format!("outcome-{id}") current=outcome />
                <label for=format!("stale-{id}")>"Stale after days"</label>
                <input id=format!("stale-{id}") name="stale_days" type="number" min="1" max="365"
                    value=stage.stale_after_days.to_string() />
                <button type="submit" class="secondary">"Save"</button>
            </PostForm>
            <span class="quiet">{match stage.deal_count {
                1 => "1 deal".to_string(),
                n => format!("{n} deals"),
            }}</span>
            {(index > 0).then(|| mover(index - 1, format!("Move {name} up"), "↑"))}
            {(index + 1 < count).then(|| mover(index + 1, format!("Move {name} down"), "↓"))}
            <PostForm action=actions.archive attr:class="inline">
                <input type="hidden" name="id" value=id.to_string() />
                <button type="submit" class="secondary" aria-label=format!("Archive stage {name}")>"Archive"</button>
            </PostForm>
        </li>
    }
}

#[component]
pub fn MembersPage() -> impl IntoView {
    let role = Posted::<SetMemberRole>::new();
    let remove = Posted::<RemoveMember>::new();
    let revoke = Posted::<RevokeInvitation>::new();
    let invite = Posted::<InviteMember>::new();
    let data = resource(|| (), |_| load_members());
    let pending = resource(|| (), |_| open_invitations());
    let error = latest_error(vec![
        role.value().into(),
        remove.value().into(),
        revoke.value().into(),
    ]);
    let invite_error = Signal::derive(move || invite.value().get().and_then(|r| r.err()));
    view! {
        <Title text="Members" />
        <h1>"Members"</h1>
        <SettingsNav />
        <p class="error" role="alert" id="settings-error">{error}</p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    Ok(page) => view! {
                        <table class="members">
                            <thead><tr>
                                <th scope="col">"Name"</th><th scope="col">"Email"</th>
                                <th scope="col">"Role"</th><th scope="col"><span class="visually-hidden">"Remove"</span></th>
                            </tr></thead>
                            <tbody>
                                {page.members.into_iter().map(|m| view! {
                                    <MemberRow member=m me=page.me role remove />
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }
            })}
        </Transition>
        <section class="card record-form" aria-labelledby="invite-heading">
            <h2 id="invite-heading">"Invite someone"</h2>
            <PostForm action=invite>
                <TextField name="invite_email" label="Email" kind="email" required=true error=invite_error />
                <div class="field">
                    <label for="invite_role">"Role"</label>
                    <select id="invite_role" name="role">
                        <option value="member" selected>"member"</option>
                        <option value="admin">"admin"</option>
                    </select>
                </div>
                <button type="submit" id="send-invite">"Invite"</button>
                <p class="error" role="alert">{move || crate::components::general_error(invite_error.get())}</p>
            </PostForm>
            {move || invite.value().get().and_then(Result::ok).map(|done| view! {
                <div role="status" id="invite-outcome">
                    <p>{done.note}</p>
                    {done.link.map(|link| view! { <p><code class="invite-link">{link}</code></p> })}
                </div>
            })}
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    pending.await.ok().filter(|l| !l.is_empty()).map(|list| view! {
                        <h3>"Waiting to be accepted"</h3>
                        <ul class="invitations">
                            {list.into_iter().map(|i| view! {
                                <li>
                                    {format!("{} ({}), open until {}", i.email, i.role, i.expires_at.format("%Y-%m-%d"))}
                                    <PostForm action=revoke attr:class="inline">
                                        <input type="hidden" name="id" value=i.id.to_string() />
                                        <button type="submit" class="secondary"
                                            aria-label=format!("Revoke the invitation of {}", i.email)>"Revoke"</button>
                                    </PostForm>
                                </li>
                            }).collect_view()}
                        </ul>
                    })
                })}
            </Transition>
        </section>
        <section class="card" aria-labelledby="data-heading">
            <h2 id="data-heading">"Your data"</h2>
            <p>"Every record of this client — companies, contacts, deals, activities, notes, \
                tasks, sequences and uploaded files — as CSV and JSON in one zip, readable \
                without RedKey."</p>
            <a class="button" id="export-all" href="/settings/export.zip" download>"Download everything"</a>
            <h3>"Erase a person"</h3>
            <p>"When someone asks to be forgotten: their contact, mail, activities, notes, \
                tasks and files go, pending emails to them are cancelled, and only a hash of \
                the address is kept so they are never mailed again. This cannot be undone."</p>
            <form method="post" action="/settings/forget" class="record-form">
                <div class="field">
                    <label for="forget_email">"Their email address"</label>
                    <input id="forget_email" name="email" type="email" required=true />
                </div>
                <button type="submit" id="forget-person" class="danger">"Erase everything about them"</button>
            </form>
            <ForgetOutcome />
        </section>
    }
}

/// What the last erasure came to, from the address the form returned to.
#[component]
fn ForgetOutcome() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    move || {
        let q = query.read();
        if let Some(n) = q.get("erased") {
            Some(view! { <p role="status" id="forget-outcome">{format!("Erased: {n} records removed.")}</p> }.into_any())
        } else {
            q.get("forget_error").map(|e| {
                view! { <p class="error" role="alert" id="forget-outcome">{e}</p> }.into_any()
            })
        }
    }
}

#[component]
fn MemberRow(
    member: MemberRole,
    me: Uuid,
    role: Posted<SetMemberRole>,
    remove: Posted<RemoveMember>,
) -> impl IntoView {
    let name = format!("{} {}", member.first_name, member.last_name)
        .trim()
        .to_string();
    let id = member.id;
    let yourself = member.user_id == Some(me);
    let (role_label, save_label, remove_label) = (
        format!("Role of {name}"),
        format!("Save the role of {name}"),
        format!("Remove {name}"),
    );
    view! {
        <tr data-member=member.email.clone()>
            <td>{name}{yourself.then_some(" (you)")}</td>
            <td>{member.email.clone()}</td>
            <td>
                <PostForm action=role attr:class="inline">
                    <input type="hidden" name="id" value=id.to_string() />
                    <label for=format!("role-{id}") class="visually-hidden">{role_label}</label>
                    <select id=format!("role-{id}") name="role">
                        {Role::ALL.iter().map(|r| view! {
                            <option value=r.as_str() selected=member.role == *r>{r.as_str()}</option>
                        }).collect_view()}
                    </select>
                    <button type="submit" class="secondary" aria-label=save_label>"Save"</button>
                </PostForm>
            </td>
            <td>
                <PostForm action=remove attr:class="inline">
                    <input type="hidden" name="id" value=id.to_string() />
                    <button type="submit" class="secondary" aria-label=remove_label>"Remove"</button>
                </PostForm>
            </td>
        </tr>
    }
}

/// Anyone's own name and password.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let rename = Posted::<SaveMyName>::new();
    let password = Posted::<ChangePassword>::new();
    let data = resource(|| (), |_| load_profile());
    let name_error = Signal::derive(move || rename.value().get().and_then(|r| r.err()));
    let password_error = Signal::derive(move || password.value().get().and_then(|r| r.err()));
    let changed = move || {
        password
            .succeeded()
            .then_some("Password changed: your other sessions have ended.")
    };
    let password_general = move || crate::components::general_error(password_error.get());
    view! {
        <Title text="Your profile" />
        <h1>"Your profile"</h1>
        <SettingsNav />
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    Ok((name, email)) => view! {
                        <section class="card record-form" aria-labelledby="name-heading">
                            <h2 id="name-heading">"Name"</h2>
                            <p class="quiet">{format!("Signed in as {email}")}</p>
                            <PostForm action=rename>
                                <TextField name="name" label="Your name" value=name required=true error=name_error />
                                <button type="submit">"Save name"</button>
                            </PostForm>
                        </section>
                    }.into_any(),
                }
            })}
        </Transition>
        <section class="card record-form" aria-labelledby="password-heading">
            <h2 id="password-heading">"Password"</h2>
            <PostForm action=password>
                <TextField name="current" label="Current password" kind="password" required=true error=password_error />
                <TextField name="new_password" label="New password (at least 10 characters)" kind="password" required=true error=password_error />
                <TextField name="repeat" label="New password again" kind="password" required=true error=password_error />
                <button type="submit">"Change password"</button>
                <p class="error" role="alert">{password_general}</p>
                <p role="status" id="password-changed">{changed}</p>
            </PostForm>
        </section>
    }
}
