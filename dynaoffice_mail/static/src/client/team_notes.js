import { Composer } from "@mail/core/common/composer";
import { Thread } from "@mail/core/common/thread";
import {
    Component,
    onWillStart,
    useChildSubEnv,
    useEffect,
    useRef,
    useState,
} from "@odoo/owl";
import { useService } from "@web/core/utils/hooks";
import { pagePlace } from "./mail_assignments";
import { errorMessage } from "./mail_rpc";

/**
 * The team's internal notes on the open message of a group mailbox: Odoo's thread and note
 * composer (mentions of colleagues, files) on the message's handle. Only notes: nothing
 * here sends mail to the customer, and the server keeps to that whatever is posted.
 *
 * A message with notes shows them at once; on another, "Add a note" opens the composer
 * (and the handle is made only then). One component per message (the pane keys it).
 */
export class TeamNotes extends Component {
    static template = "dynaoffice_mail.TeamNotes";
    static components = { Composer, Thread };
    static props = { model: Object, uid: Number };

    setup() {
        this.store = useState(useService("mail.store"));
        this.rootRef = useRef("root");
        this.state = useState({ thread: null, loading: false, error: "", writing: false });
        useChildSubEnv({ inChatter: { aside: false } });
        // Opened from elsewhere (a record's link to the notes), the message may not be on
        // the page whose counts were loaded.
        onWillStart(() => {
            this.props.model.team.ensure(pagePlace(this.props.model), this.props.uid);
        });
        // A message with notes shows them as soon as its count is known (the list's, which
        // may come after the message opened); the pane is not held up meanwhile.
        useEffect(
            (count) => {
                if (count && !this.state.thread && !this.state.loading) {
                    this.load(this.props.model, this.props.uid);
                }
            },
            () => [this.count]
        );
    }

    get count() {
        return this.props.model.team.notesOf(this.props.uid);
    }

    async load(model, uid) {
        this.state.loading = true;
        try {
            const found = await model.team.notesThread(pagePlace(model), uid);
            this.state.thread = this.store.Thread.insert({
                model: found.thread_model,
                id: found.thread_id,
            });
        } catch (error) {
            this.state.error = errorMessage(error);
        } finally {
            this.state.loading = false;
        }
    }

    async write() {
        this.state.writing = true;
        if (!this.state.thread) {
            await this.load(this.props.model, this.props.uid);
        }
    }

    onPosted() {
        const { model, uid } = this.props;
        model.team.noted(pagePlace(model), uid);
        this.state.writing = false;
    }
}
